from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from coalition.accounts import views as account_views
from coalition.appeals.views import public as appeal_views
from coalition.core import views as core_views
from coalition.mywork import views as mywork_views
from coalition.organisations.views import invitations

# The admin's own login form would skip the second factor and the login audit: use allauth's.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", mywork_views.home, name="home"),
    path("my-work/", mywork_views.my_work, name="my_work"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/mfa-required/", account_views.mfa_required, name="mfa_required"),
    path("accounts/mfa-enrolled/", account_views.mfa_enrolled, name="mfa_enrolled"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", invitations.accept, name="invitation_accept"),
    path("library/", include("coalition.library.urls")),
    path("library/", include("coalition.drafting.urls")),
    path("library/", include("coalition.exports.urls")),
    path("search/", include("coalition.search.urls")),
    path("appeals/", include("coalition.appeals.urls")),
    # Everything under /tips/ is for anonymous senders (coalition.core.middleware.ANONYMOUS_PREFIX).
    path("tips/", include("coalition.appeals.tip_urls")),
    path("report/", appeal_views.report, name="report"),
    path("audit/", include("coalition.audit.urls")),
    # Before the principles' own pages: their "<framework>/" would catch "crosswalks/" first.
    path("principles/", include("coalition.assessments.urls")),
    path("principles/", include("coalition.principles.urls")),
    path("notifications/", include("coalition.notifications.urls")),
    path("orgs/", include("coalition.organisations.urls")),
    path("secretariat/", include("coalition.organisations.secretariat_urls")),
    path("django-admin/", admin.site.urls),
]

# A database, cache or storage fault is answered 503 with Retry-After, anything else 500.
handler500 = "coalition.core.views.server_error"
