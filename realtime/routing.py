from django.urls import path

from realtime.consumers import UserConsumer
from realtime.live import LiveRoomConsumer
from realtime.threads import ThreadConsumer

websocket_urlpatterns = [
    path("ws/me/", UserConsumer.as_asgi()),
    path("ws/live/<int:session_id>/", LiveRoomConsumer.as_asgi()),
    path("ws/threads/<int:thread_id>/", ThreadConsumer.as_asgi()),
]
