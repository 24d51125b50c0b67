"""The few exceptions the advisor raises; each message says how to fix the problem."""


class AdvisorError(Exception):
    """Base class for errors shown to the user as a clear message."""


class RulebookError(AdvisorError):
    """The rulebook, facts or questions file is invalid (bad field, unknown fact, quote not in its source)."""


class CorpusError(AdvisorError):
    """A corpus document cannot be read or converted."""


class BackendError(AdvisorError):
    """The language-model backend is unknown, misconfigured, or its optional package is missing."""
