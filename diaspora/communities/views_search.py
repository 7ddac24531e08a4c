"""Forum search: words, with filters by community, tag, author and dates. Only what the
searcher may read is found (`search.search_posts` filters; this page only asks)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.communities import selectors
from diaspora.communities.forms import SearchForm
from diaspora.communities.search import SearchHit, search_posts
from diaspora.pagination import querystring_without_page

HITS_PER_PAGE = 20


def forum_search(request: HttpRequest) -> HttpResponse:
    communities = {c.slug: c for c in selectors.visible_communities(request.user)}
    form = SearchForm(request.GET or None, communities=communities.values())
    hits: list[SearchHit] = []
    searched = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        author = None
        if data["author"]:
            author = User.objects.filter(handle=data["author"], is_active=True).first()
            if author is None:
                form.add_error(
                    "author", _("Nobody has the handle @%(handle)s.") % {"handle": data["author"]}
                )
        criteria = ("q", "community", "tag", "from", "to")
        searched = not form.errors and (
            author is not None or any(data.get(name) for name in criteria)
        )
        if searched:
            hits = search_posts(
                user=request.user,
                q=data["q"],
                community=communities.get(data["community"]),
                tag=data["tag"] or None,
                author=author,
                since=data.get("from"),
                until=data.get("to"),
            )
    page = Paginator(hits, HITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/search.html",
        {
            "form": form,
            "page": page,
            "searched": searched,
            "query": querystring_without_page(request),
        },
    )
