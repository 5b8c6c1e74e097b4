"""API view of the signed-in person's notifications (their own only, across reviews)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api import serializers as s
from coding.api.views.common import ERRORS, Pagination
from coding.models import Notification
from coding.notifications.policies import get_notification_for_user, notifications_visible_to
from coding.notifications.selectors import unread_count
from coding.notifications.services import notification_mark_read, notifications_mark_read

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The notification's id.")


@extend_schema(
    summary="Your notifications", tags=["notifications"],
    parameters=[OpenApiParameter("unread", bool, description="true: only unread ones.")],
    responses={200: s.NotificationSerializer(many=True), 401: ERRORS[401]},
    description="The signed-in person's notifications in every review, newest first (the "
    "page /notifications/). `url` is the page to act on.",
)
class NotificationList(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.NotificationSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        rows = notifications_visible_to(self.request.user, Notification.objects.all())
        if self.request.query_params.get("unread") in ("true", "1"):
            rows = rows.unread()
        return rows.select_related("review").order_by("-created_at", "-id")


@extend_schema(
    summary="Mark a notification read", tags=["notifications"], parameters=[ID], request=None,
    responses={200: s.NotificationSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    description="Marks one of your notifications read (again: no change); 404 for anyone "
    "else's.",
)
class NotificationRead(APIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.NotificationSerializer

    def post(self, request, id):
        notification = notification_mark_read(
            notification=get_notification_for_user(request.user, id)
        )
        return Response(s.NotificationSerializer(notification).data)


@extend_schema(
    summary="Mark all your notifications read", tags=["notifications"], request=None,
    responses={200: s.NotificationsReadSerializer, 401: ERRORS[401]},
)
class NotificationsReadAll(APIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.NotificationsReadSerializer

    def post(self, request):
        changed = notifications_mark_read(user=request.user)
        return Response({"marked_read": changed, "unread": unread_count(request.user)})
