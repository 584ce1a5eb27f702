"""The customer register in the back office: companies, contacts, notes, search, CSV export."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from joans.backoffice import admin_only, bp, recent_login_required
from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.backoffice.forms import ConfirmForm
from joans.backoffice.listing import list_params
from joans.crm import search as crm_search
from joans.crm import services as crm
from joans.crm.staff_forms import (
    CompanyForm,
    ContactForm,
    EndCustomershipForm,
    NoteForm,
    SearchForm,
)
from joans.models.types import utcnow
from joans.newsletter.subscriptions import contact_status
from joans.privacy.retention import RULES

# --- Companies -------------------------------------------------------------------------------


@bp.get("/companies")
def companies():
    """All companies, one page at a time, sortable."""
    params = list_params(crm.COMPANY_SORTS, "name")
    page = crm.list_companies(
        sort=params.sort, descending=params.descending, page=params.page, per_page=params.per_page
    )
    return render_template("crm/companies.html", page=page, params=params)


@bp.route("/companies/new", methods=["GET", "POST"])
def company_new():
    """Add a company; warn when its organisation number is already in the register."""
    form = CompanyForm()
    duplicates = []
    if form.validate_on_submit():
        duplicates = crm.duplicate_companies(form.organisation_number.data)
        if not duplicates or form.confirm_duplicate.data:
            company = crm.create_company(form.values(), actor_id=current_user.id)
            flash(_("The company is saved."), "success")
            return redirect(url_for("staff.company_detail", company_id=company.id))
    return render_template("crm/company_form.html", form=form, company=None, duplicates=duplicates)


@bp.get("/companies/<int:company_id>")
def company_detail(company_id: int):
    """One company with its contacts and notes."""
    company = crm.view_company(company_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "crm/company.html",
        company=company,
        notes=crm.notes_for(company=company),
        note_form=NoteForm(),
        orders=crm.orders_of(company),
    )


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
def company_edit(company_id: int):
    """Change a company's details; the full personnummer of a sole trader is shown only here."""
    company = crm.view_company(company_id, actor_id=current_user.id, purpose="edit") or abort(404)
    form = CompanyForm(obj=company)
    duplicates = []
    if form.validate_on_submit():
        duplicates = crm.duplicate_companies(form.organisation_number.data, exclude_id=company.id)
        if not duplicates or form.confirm_duplicate.data:
            crm.update_company(company, form.values(), actor_id=current_user.id)
            flash(_("The company is saved."), "success")
            return redirect(url_for("staff.company_detail", company_id=company.id))
    return render_template(
        "crm/company_form.html", form=form, company=company, duplicates=duplicates
    )


@bp.post("/companies/<int:company_id>/notes")
def company_note(company_id: int):
    """Append a note to a company."""
    company = crm.find_company(company_id) or abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        crm.add_note(body=form.body.data, company=company, actor_id=current_user.id)
        flash(_("The note is added."), "success")
        return redirect(url_for("staff.company_detail", company_id=company.id))
    return render_template(
        "crm/company.html",
        company=company,
        notes=crm.notes_for(company=company),
        note_form=form,
        orders=crm.orders_of(company),
    )


# --- Ending a customership -------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/end-customership", methods=["GET", "POST"])
def company_end_customership(company_id: int):
    """Ask for the last day as a customer, say what then happens to the data, and save it."""
    company = crm.find_company(company_id) or abort(404)
    form = EndCustomershipForm()
    if form.validate_on_submit():
        crm.end_customership(company, form.customer_until.data, actor_id=current_user.id)
        flash(
            _("The customership ends on %(date)s.", date=form.customer_until.data.isoformat()),
            "success",
        )
        return redirect(url_for("staff.company_detail", company_id=company.id))
    return render_template(
        "crm/end_customership.html", company=company, form=form, rule=RULES["customer"]
    ), (422 if form.errors else 200)


# --- Contacts --------------------------------------------------------------------------------


@bp.get("/contacts")
def contacts():
    """All contacts, one page at a time, sortable."""
    params = list_params(crm.CONTACT_SORTS, "last_name")
    page = crm.list_contacts(
        sort=params.sort, descending=params.descending, page=params.page, per_page=params.per_page
    )
    return render_template("crm/contacts.html", page=page, params=params)


@bp.route("/contacts/new", methods=["GET", "POST"])
def contact_new():
    """Add a contact, at a company when opened from one; warn on a known e-mail address."""
    form = ContactForm()
    company = crm.find_company(request.args.get("company", type=int) or 0)
    if company is not None and not form.is_submitted():
        form.company.data = crm.company_reference(company)
    duplicates = []
    if form.validate_on_submit():
        duplicates = crm.duplicate_contacts(form.email.data)
        if not duplicates or form.confirm_duplicate.data:
            contact = crm.create_contact(form.values(), actor_id=current_user.id)
            flash(_("The contact is saved."), "success")
            return redirect(url_for("staff.contact_detail", contact_id=contact.id))
    return render_template("crm/contact_form.html", form=form, contact=None, duplicates=duplicates)


@bp.get("/contacts/<int:contact_id>")
def contact_detail(contact_id: int):
    """One contact with their notes."""
    contact = crm.view_contact(contact_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "crm/contact.html",
        contact=contact,
        notes=crm.notes_for(contact=contact),
        note_form=NoteForm(),
        newsletter=contact_status(contact),
        objection_form=ConfirmForm(),
    )


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def contact_edit(contact_id: int):
    """Change a contact's details."""
    contact = crm.view_contact(contact_id, actor_id=current_user.id, purpose="edit") or abort(404)
    form = ContactForm(obj=contact)
    if not form.is_submitted():
        form.company.data = crm.company_reference(contact.company) if contact.company else ""
    duplicates = []
    if form.validate_on_submit():
        duplicates = crm.duplicate_contacts(form.email.data, exclude_id=contact.id)
        if not duplicates or form.confirm_duplicate.data:
            crm.update_contact(contact, form.values(), actor_id=current_user.id)
            flash(_("The contact is saved."), "success")
            return redirect(url_for("staff.contact_detail", contact_id=contact.id))
    return render_template(
        "crm/contact_form.html", form=form, contact=contact, duplicates=duplicates
    )


@bp.post("/contacts/<int:contact_id>/notes")
def contact_note(contact_id: int):
    """Append a note to a contact."""
    contact = crm.find_contact(contact_id) or abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        crm.add_note(body=form.body.data, contact=contact, actor_id=current_user.id)
        flash(_("The note is added."), "success")
        return redirect(url_for("staff.contact_detail", contact_id=contact.id))
    return render_template(
        "crm/contact.html",
        contact=contact,
        notes=crm.notes_for(contact=contact),
        note_form=form,
        newsletter=contact_status(contact),
        objection_form=ConfirmForm(),
    )


# --- Search ----------------------------------------------------------------------------------


QUERY_KEY = "search_query"


@bp.post("/search")
def search_submit():
    """Remember the query in the session and show its results."""
    form = SearchForm()
    if form.validate_on_submit():
        session[QUERY_KEY] = form.q.data
        return redirect(url_for("staff.search"))
    return render_template("crm/search.html", form=form, results=None, query=None)


@bp.get("/search")
def search():
    """The results of the last query, companies and contacts apart."""
    query = session.get(QUERY_KEY)
    form = SearchForm(q=query)
    results = crm_search.search(query) if query else None
    return render_template("crm/search.html", form=form, results=results, query=query)


# --- CSV export (admins) ---------------------------------------------------------------------


KINDS = ("companies", "contacts")


@bp.get("/export")
@admin_only
@recent_login_required
def export():
    """The export page: one button per register."""
    return render_template("crm/export.html", form=ConfirmForm())


@bp.post("/export/<kind>")
@admin_only
@recent_login_required
def export_download(kind: str):
    """Download one register as CSV; the audit log records who exported what and how much."""
    if kind not in KINDS:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.export"))
    body = crm.export_csv(kind, actor_id=current_user.id)
    filename = f"joans-{kind}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        "\ufeff" + body,  # a BOM, so spreadsheet programs read the file as UTF-8 (å, ä, ö)
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- Dashboard -------------------------------------------------------------------------------


@dashboard_panel
def crm_panel() -> Panel:
    """How many companies, customers and contacts the CRM holds."""
    return Panel(_l("Customer register"), "crm/_panel.html", {"counts": crm.counts()}, order=50)
