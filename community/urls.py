from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from community import api, health, views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("qa.api.urls")),
    path("", include("mentoring.api.urls")),
    path("", include("moderation.api.urls")),
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
    path("healthz", health.healthz, name="healthz"),
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

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME
