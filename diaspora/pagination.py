from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, qs: QuerySet, per_page: int | None = None) -> Page:
    """A page of `qs`; a bad or too-large page number gives the nearest real page."""
    paginator = Paginator(qs, per_page or settings.DIRECTORY_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
