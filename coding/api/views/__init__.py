"""The REST API's views, one module per domain; each is a thin adapter over the domain's
services, selectors and policies (coding/README.md)."""

from coding.api.views.adjudication import (
    AdjudicatorMixin,  # noqa: F401
    DisagreementActionMixin,  # noqa: F401
    DisagreementDetail,  # noqa: F401
    DisagreementList,  # noqa: F401
    DisagreementReopen,  # noqa: F401
    DisagreementResolve,  # noqa: F401
)
from coding.api.views.assignments import AssignmentList  # noqa: F401
from coding.api.views.cases import (
    CaseDetail,  # noqa: F401
    CaseFilterBackend,  # noqa: F401
    CaseList,  # noqa: F401
    CaseQuerysetMixin,  # noqa: F401
    ConsensusList,  # noqa: F401
    DashboardView,  # noqa: F401
)
from coding.api.views.codings import (
    CoderMixin,  # noqa: F401
    CodingDetail,  # noqa: F401
    CodingList,  # noqa: F401
    CodingSubmit,  # noqa: F401
)
from coding.api.views.discussion import (
    DisagreementAccept,  # noqa: F401
    DisagreementComments,  # noqa: F401
    DisagreementEscalate,  # noqa: F401
    DisagreementPropose,  # noqa: F401
    DiscussionList,  # noqa: F401
)
from coding.api.views.documents import (
    DocumentDetail,  # noqa: F401
    DocumentFile,  # noqa: F401
    DocumentList,  # noqa: F401
    DocumentUploadSerializer,  # noqa: F401
    ReviewDocuments,  # noqa: F401
)
from coding.api.views.members import (
    InvitationDetail,  # noqa: F401
    InvitationList,  # noqa: F401
    MemberList,  # noqa: F401
)
from coding.api.views.notifications import (
    NotificationList,  # noqa: F401
    NotificationRead,  # noqa: F401
    NotificationsReadAll,  # noqa: F401
)
from coding.api.views.reliability import DriftView, PackageView, ReliabilityView  # noqa: F401
from coding.api.views.reviews import (
    CodebookDetail,  # noqa: F401
    ReviewDetail,  # noqa: F401
    ReviewList,  # noqa: F401
)
from coding.api.views.rounds import (  # noqa: E402
    RoundCodingDetail,  # noqa: F401
    RoundCodingSubmit,  # noqa: F401
    RoundDetail,  # noqa: F401
    RoundList,  # noqa: F401
    RoundPromote,  # noqa: F401
)
