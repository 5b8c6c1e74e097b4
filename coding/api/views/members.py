"""API for a review's members and invitations (leads only), over coding.members."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api.permissions import page_permission
from coding.api.views.common import ERRORS, READ_ERRORS, SLUG, ReviewMixin, service_errors
from coding.members.policies import memberships_manageable_by
from coding.members.selectors import pending_invitations, review_members
from coding.members.services import (
    invitation_revoke,
    member_add_or_invite,
    member_remove,
    member_set_roles,
)
from coding.models import Invitation, Role

ROLES = serializers.ListField(
    child=serializers.ChoiceField(choices=Role.choices), min_length=1,
    help_text="Role names: lead, coder, adjudicator.",
)


class ProgressSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    draft = serializers.IntegerField()
    submitted = serializers.IntegerField()


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    email = serializers.CharField(source="user.email")
    roles = serializers.ListField(child=serializers.CharField())
    since = serializers.DateTimeField(source="joined_at")
    progress = ProgressSerializer(
        allow_null=True, help_text="Cases assigned to them and their codings' states."
    )


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.CharField())
    invited_by = serializers.CharField(source="invited_by.username", allow_null=True)
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class AddInputSerializer(serializers.Serializer):
    user = serializers.CharField(
        max_length=254,
        help_text="A username or e-mail of an account, or the e-mail address of someone to "
        "invite.",
    )
    roles = ROLES


class RolesInputSerializer(serializers.Serializer):
    user = serializers.CharField(max_length=150, help_text="The member's username.")
    roles = ROLES


class AddResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["member", "invitation"],
        help_text='"member": the account was added; "invitation": an invitation was mailed.',
    )
    member = MemberSerializer(allow_null=True)
    invitation = InvitationSerializer(allow_null=True)


USER_PARAM = OpenApiParameter(
    "user", str, OpenApiParameter.QUERY, required=True, description="The member's username."
)


def _member_row(review, user, viewer):
    rows = review_members(review=review, viewer=viewer)
    return next(m for m in rows if m.user.pk == user.pk)


def _member_user(review, username: str):
    users = get_user_model().objects.filter(memberships__review=review).distinct()
    return get_object_or_404(users, username=username)


@extend_schema_view(
    get=extend_schema(
        summary="Members of the review", tags=["members"], parameters=[SLUG],
        responses={200: MemberSerializer(many=True), **READ_ERRORS},
        description="Review leads. Everyone with a role, with their roles and coding progress.",
    ),
    post=extend_schema(
        summary="Add a member, or invite someone by e-mail", tags=["members"], parameters=[SLUG],
        request=AddInputSerializer, responses={201: AddResultSerializer, **ERRORS},
        examples=[OpenApiExample("Invite a coder", request_only=True,
                                 value={"user": "new.coder@example.org", "roles": ["coder"]})],
        description="Review leads. An existing account (username or e-mail) gets the roles at "
        "once; an e-mail address without an account gets an invitation mail with a link that "
        "works once, for INVITATION_MAX_AGE_DAYS days. Inviting a pending address again sends "
        "a new link.",
    ),
    patch=extend_schema(
        summary="Change a member's roles", tags=["members"], parameters=[SLUG],
        request=RolesInputSerializer, responses={200: MemberSerializer, **ERRORS},
        description="Review leads. `roles` become exactly the member's roles. The last lead "
        "keeps the lead role.",
    ),
    delete=extend_schema(
        summary="Remove a member", tags=["members"], parameters=[SLUG, USER_PARAM],
        responses={204: None, **ERRORS},
        description="Review leads. Takes every role; their codings stay, their assignments "
        "stay until a lead reassigns the cases.",
    ),
)
class MemberList(ReviewMixin, APIView):
    permission_classes = [page_permission("members")]
    pagination_class = None  # a review's team is small: one list
    serializer_class = MemberSerializer

    def get(self, request, slug):
        members = review_members(review=self.get_review(), viewer=request.user)
        return Response(MemberSerializer(members, many=True).data)

    def post(self, request, slug):
        review = self.get_review()
        payload = AddInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            kind, result = member_add_or_invite(
                review=review, identifier=payload.validated_data["user"],
                roles=payload.validated_data["roles"], actor=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        body = {"kind": kind, "member": None, "invitation": None}
        if kind == "member":
            body["member"] = MemberSerializer(_member_row(review, result, request.user)).data
        else:
            body["invitation"] = InvitationSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED)

    def patch(self, request, slug):
        review = self.get_review()
        payload = RolesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = _member_user(review, payload.validated_data["user"])
        with service_errors():
            member_set_roles(
                review=review, user=user, roles=payload.validated_data["roles"],
                actor=request.user,
            )
        return Response(MemberSerializer(_member_row(review, user, request.user)).data)

    def delete(self, request, slug):
        review = self.get_review()
        username = request.query_params.get("user") or ""
        user = _member_user(review, username)
        with service_errors():
            member_remove(review=review, user=user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="Invitations waiting", tags=["members"], parameters=[SLUG],
    responses={200: InvitationSerializer(many=True), **READ_ERRORS},
    description="Review leads. Invitations neither accepted nor withdrawn, newest first "
    "(expired ones included: send them again with POST members/).",
)
class InvitationList(ReviewMixin, APIView):
    permission_classes = [page_permission("members")]
    pagination_class = None
    serializer_class = InvitationSerializer

    def get(self, request, slug):
        invitations = pending_invitations(review=self.get_review())
        return Response(InvitationSerializer(invitations, many=True).data)


@extend_schema(
    summary="Withdraw an invitation", tags=["members"],
    parameters=[SLUG, OpenApiParameter("id", int, OpenApiParameter.PATH)],
    responses={204: None, **ERRORS},
    description="Review leads. The invitation's link stops working.",
)
class InvitationDetail(ReviewMixin, APIView):
    permission_classes = [page_permission("members")]
    serializer_class = InvitationSerializer

    def delete(self, request, slug, id):
        review = self.get_review()
        invitations = memberships_manageable_by(request.user, Invitation.objects.pending())
        invitation = get_object_or_404(invitations, review=review, pk=id)
        with service_errors():
            invitation_revoke(invitation=invitation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
