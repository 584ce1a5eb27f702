"""The precondition of every answer that shows or deletes data: we know who is asking.

GDPR art. 12(6): when there is reasonable doubt about who makes a request, the controller may ask
for what confirms it, and must not hand a person's data to someone else. So no export and no
erasure runs, whoever calls it, until staff have recorded how the requester's identity was
confirmed; and only for an open request of the right kind.
"""

from __future__ import annotations

from joans.models.data_requests import DataSubjectRequest, RequestKind


class NotAnswerable(LookupError):
    """The request is closed, or asks for something else than this answer gives."""


class IdentityNotChecked(Exception):
    """Nobody has recorded how the requester's identity was confirmed."""

    def __init__(self, request_id: int) -> None:
        super().__init__(request_id)
        self.request_id = request_id


def ensure_answerable(request: DataSubjectRequest, kind: RequestKind) -> None:
    """Raise unless ``request`` is open, of ``kind``, and its requester's identity confirmed."""
    if not request.is_open or request.kind != kind:
        raise NotAnswerable(request.id)
    if not request.identity_check:
        raise IdentityNotChecked(request.id)
