from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import language
from community import api, health, metrics_api, views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("qa.api.urls")),
    path("", include("mentoring.api.urls")),
    path("", include("moderation.api.urls")),
    path(
        "metrics/community/",
        metrics_api.CommunityMetricsApi.as_view(),
        name="api-metrics-community",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other path under the API is a JSON 404, not the site's HTML page. Only
    # paths ending in a slash, so that APPEND_SLASH still redirects `/api/v1/me` to `/me/`.
    re_path(r"^(?:[\s\S]*/)?$", api.not_found, name="api-not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("qa.urls")),
    path("", include("mentoring.urls")),
    path("", include("moderation.urls")),
    path("members/<str:username>/", views.member_profile, name="member-profile"),
    path("staff/health/", include("community.health_views")),
    path("healthz", health.healthz, name="healthz"),
    # The language switcher: Django's view, which also saves a signed-in member's choice;
    # listed before Django's own URLs so that it is the one /i18n/setlang/ reaches.
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.notification_urls")),
    path("api/v1/", include(api_v1)),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error

# Lazy, so that the admin's header is in the language of each request.
admin.site.site_header = format_lazy(gettext_lazy("{site} administration"), site=settings.SITE_NAME)
admin.site.site_title = settings.SITE_NAME
