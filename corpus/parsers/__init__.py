"""One parser per document type, chosen by content, not by file name.

Each parser module exposes:
    NAME: str                               document type, e.g. "pledge_report"
    detect(text: str) -> bool               does this text look like my document?
    parse(text: str, document: str) -> Corpus
        records with source = {document, line}; raises CorpusError naming the
        line when the text is truncated, malformed or not what it claims.
"""

from corpus.parsers import comprehensive_plan, minutes, pledge_report, welfare_plan, welfare_policy

PARSERS = [pledge_report, welfare_policy, comprehensive_plan, welfare_plan, minutes]
