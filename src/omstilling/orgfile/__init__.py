"""The organisation file (format `omstilling/1`, spec/organisation-file.md).

A small facade: `read` turns a file into a validated `Organisation` (its field
readers in `fields`, its cross-checks in `check`), `write` turns one back into
the canonical document. What changes between two organisations is
`domain.orgdiff` (the store needs it, and the store knows nothing of the file).
"""

from omstilling.domain.organisation import Organisation
from omstilling.orgfile.edit import Checked, EditRejected, validate_edit
from omstilling.orgfile.read import (
    MAX_BYTES,
    OrgFileError,
    ParseResult,
    parse,
    parse_bytes,
    parse_data,
    parse_text,
)
from omstilling.orgfile.write import (
    FORMAT,
    dump,
    employee_doc,
    mailing_doc,
    municipality_doc,
    task_doc,
    to_document,
    unit_doc,
)


def validate(org: Organisation) -> ParseResult:
    """An organisation made outside the file (an edit) through the file's own rules.

    Written to the file's document and read again, so an edit obeys exactly the rules of
    the file and comes back normalised (E.164, trimmed); OrgFileError otherwise."""
    return parse_data(to_document(org))


__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "Checked",
    "EditRejected",
    "OrgFileError",
    "ParseResult",
    "dump",
    "employee_doc",
    "mailing_doc",
    "municipality_doc",
    "parse",
    "parse_bytes",
    "parse_data",
    "parse_text",
    "task_doc",
    "to_document",
    "unit_doc",
    "validate",
    "validate_edit",
]
