"""The signed-in user's notifications and their email preferences."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from diaspora.notifications import services
from diaspora.notifications.models import Notification
from diaspora.notifications.selectors import (
    email_preferences,
    get_notification_for_user,
    notifications_of,
    unread_count,
)

router = Router()


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str = Field(description="A path on this site, or empty.")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    meta: PageMeta
    unread: int = Field(description="Unread notifications in all (not only on this page).")
    results: list[NotificationOut]


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="Only the unread ones.")


class MarkedOut(Schema):
    marked: int


class PreferencesIO(Schema):
    email: dict[str, bool] = Field(
        description="For each kind of notification, whether it also comes by email."
    )


def notification_out(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get("/", response=NotificationPage, summary="My notifications, newest first")
def list_notifications(request: HttpRequest, query: Query[NotificationQuery]) -> dict[str, Any]:
    user = signed_in_user(request)
    result = paginated(
        notifications_of(user=user, unread_only=query.unread), query, notification_out
    )
    result["unread"] = unread_count(user=user)
    return result


@router.post("/{int:notification_id}/read", response=NotificationOut, summary="Mark one read")
def mark_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    notification = get_notification_for_user(signed_in_user(request), notification_id)
    return notification_out(services.notification_mark_read(notification=notification))


@router.post("/read-all", response=MarkedOut, summary="Mark all read")
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.notifications_mark_all_read(user=signed_in_user(request))}


@router.get("/preferences", response=PreferencesIO, summary="Which kinds also come by email")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    return {"email": email_preferences(user=signed_in_user(request))}


@router.put(
    "/preferences",
    response=PreferencesIO,
    summary="Say which kinds also come by email (kinds left out keep their setting)",
)
def put_preferences(request: HttpRequest, payload: PreferencesIO) -> dict[str, Any]:
    user = signed_in_user(request)
    return {"email": services.notification_preferences_set(user=user, email=payload.email)}
