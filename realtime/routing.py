from django.urls import path

from realtime.consumers import UserConsumer
from realtime.live import LiveRoomConsumer

websocket_urlpatterns = [
    path("ws/me/", UserConsumer.as_asgi()),
    path("ws/live/<int:session_id>/", LiveRoomConsumer.as_asgi()),
]
