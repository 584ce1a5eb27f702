"""The search box: POST the query (so it never lands in a URL or an access log), then show it."""

from __future__ import annotations

from flask import redirect, render_template, session, url_for

from joans.services import crm_search
from joans.staff.blueprint import bp
from joans.staff.forms import SearchForm

QUERY_KEY = "search_query"


@bp.post("/search")
def search_submit():
    """Remember the query in the session and show its results."""
    form = SearchForm()
    if form.validate_on_submit():
        session[QUERY_KEY] = form.q.data
        return redirect(url_for("staff.search"))
    return render_template("staff/search.html", form=form, results=None, query=None)


@bp.get("/search")
def search():
    """The results of the last query, companies and contacts apart."""
    query = session.get(QUERY_KEY)
    form = SearchForm(q=query)
    results = crm_search.search(query) if query else None
    return render_template("staff/search.html", form=form, results=results, query=query)
