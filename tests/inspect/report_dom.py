"""Parsing the report's decode tables out of HTML (the page as written, or the DOM a browser dumped)."""

import html.parser


class Cells(html.parser.HTMLParser):
    """Collects decode tables: stage -> variable -> cell texts (BOS first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self.stage = self.var = None
        self.in_td = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-stage" in a:
            self.stage = a["data-stage"]
            self.tables[self.stage] = {}
        elif tag == "tr" and "data-variable" in a and self.stage:
            self.var = a["data-variable"]
            self.tables[self.stage][self.var] = []
        elif tag == "td" and self.var and "data-pos" in a:
            self.in_td = True
            self.tables[self.stage][self.var].append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self.in_td = False
        elif tag == "table":
            self.stage = self.var = None

    def handle_data(self, data):
        if self.in_td:
            self.tables[self.stage][self.var][-1] += data


def decode_cells(page: str) -> dict:
    parser = Cells()
    parser.feed(page)
    return parser.tables
