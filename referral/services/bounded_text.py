"""Generated text that must fit the column storing it: shortened, never refused by the database."""

ELLIPSIS = "…"


def fit_to_column(column, text: str) -> str:
    """The text, shortened to the column's length (ending with an ellipsis) when it would overflow it."""
    length = column.type.length
    if length is None or len(text) <= length:
        return text
    return text[:length - len(ELLIPSIS)].rstrip() + ELLIPSIS
