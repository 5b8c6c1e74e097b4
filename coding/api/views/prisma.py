"""The review's PRISMA 2020 flow counts as data: every box's count, null where not reported."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api.permissions import IsPublishedReadOnly, IsReviewMember
from coding.api.views.common import READ_ERRORS, ReviewMixin, SharedReaderMixin
from coding.public.cache import prisma_for


class BoxSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="null: not reported.")
    reported_by_review = serializers.BooleanField(
        help_text="The count is the one the review reports, not drawn from its records.")


class SourceSerializer(serializers.Serializer):
    source = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class PrismaSerializer(serializers.Serializer):
    stages = serializers.CharField()
    boxes = serializers.DictField(child=BoxSerializer())
    sources = SourceSerializer(many=True)
    exclusion_reasons = ReasonSerializer(many=True)
    awaiting = serializers.DictField(child=serializers.IntegerField(),
                                     help_text="Records not yet settled, per stage.")


class PrismaView(SharedReaderMixin, ReviewMixin, APIView):
    """The PRISMA 2020 flow diagram's counts (the same as /reviews/<slug>/selection/)."""

    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    @extend_schema(responses={200: PrismaSerializer, **READ_ERRORS})
    def get(self, request, slug):
        return Response(prisma_for(self.get_review()).as_data())
