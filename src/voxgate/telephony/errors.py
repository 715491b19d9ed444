"""What a carrier's failure looks like to the rest of voxgate."""


class CarrierError(Exception):
    """The carrier refused a request or could not be reached. `status` is the HTTP status it
    answered (None when it was not reached); the message is the carrier's own words."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
