"""The exceptions the library raises. The CLI turns each into one line for the user."""


class WsisgraphError(Exception):
    """Base class: a problem the user can fix, with a message that names the file or value."""


class DocumentError(WsisgraphError):
    """A document cannot be read or is of no kind wsisgraph knows."""


class QueryError(WsisgraphError):
    """A saved query is unknown, malformed, or got a bad parameter."""


class ShapeError(WsisgraphError):
    """The SHACL shapes cannot be read, or validation cannot run."""


class StoreError(WsisgraphError):
    """The store cannot be opened, created or switched."""


class ExportError(WsisgraphError):
    """An export cannot be written."""


class OptionError(WsisgraphError):
    """A value given on the command line or in the environment cannot be used (a base IRI that is not absolute)."""


class ReferenceDataError(WsisgraphError):
    """A reference file (concept scheme CSV, matrix CSV) is missing or malformed."""


class InvalidGraph(WsisgraphError):
    """A built graph does not conform to the shapes; it did not replace the current one."""

    def __init__(self, message: str, report):
        super().__init__(message)
        self.report = report
