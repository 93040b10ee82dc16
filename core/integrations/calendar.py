"""iCalendar (RFC 5545) invitations for interviews, built with the ``icalendar`` package.

One interview keeps one UID for its whole life; each reschedule and the cancellation raise
its SEQUENCE, so calendar programs update or remove the event they already hold instead of
adding another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//PeopleOS//Interviews//EN"


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    starts_at: datetime  # timezone-aware
    ends_at: datetime
    timezone: str  # IANA name the event is shown in
    summary: str
    description: str
    attendees: tuple[tuple[str, str], ...]  # (name, email)
    organizer: tuple[str, str] | None = None
    cancelled: bool = False


def to_ics(invitation: Invitation, now: datetime) -> str:
    """The invitation as an ``.ics`` file (METHOD:REQUEST, or CANCEL when cancelled)."""
    zone = ZoneInfo(invitation.timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invitation.cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", now)
    # Local times with their zone, so a calendar shows the time the scheduler chose even
    # across a daylight-saving change.
    event.add("dtstart", invitation.starts_at.astimezone(zone))
    event.add("dtend", invitation.ends_at.astimezone(zone))
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    if invitation.organizer is not None:
        name, email = invitation.organizer
        organizer = icalendar.vCalAddress(f"mailto:{email}")
        organizer.params["cn"] = icalendar.vText(name)
        event.add("organizer", organizer)
    for name, email in invitation.attendees:
        attendee = icalendar.vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = icalendar.vText(name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()
