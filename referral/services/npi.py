"""National Provider Identifiers: the format and the check digit (Luhn over the 80840 prefix)."""
import re

NPI_PATTERN = re.compile(r"^\d{10}$")
# The ISO card-issuer prefix for US health identifiers; its digits add 24 to the Luhn sum.
NPI_PREFIX = "80840"


def normalize_npi(text: str | None) -> str:
    """The NPI as ten digits, with spaces and dashes people type removed."""
    return re.sub(r"[\s-]", "", text or "")


def npi_is_valid(npi: str | None) -> bool:
    """Whether ten digits carry a correct check digit (1234567893 does, 1234567890 does not)."""
    if not npi or not NPI_PATTERN.match(npi):
        return False
    digits = [int(d) for d in NPI_PREFIX + npi[:9]]
    total = 0
    # Double every second digit counting leftwards from the one next to the check digit.
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])
