"""Companies: list, create, view, edit, notes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.services import crm
from joans.services.orders import orders_of
from joans.staff.blueprint import bp
from joans.staff.forms import CompanyForm, NoteForm
from joans.staff.listing import list_params


@bp.get("/companies")
def companies():
    """All companies, one page at a time, sortable."""
    params = list_params(crm.COMPANY_SORTS, "name")
    page = crm.list_companies(
        sort=params.sort, descending=params.descending, page=params.page, per_page=params.per_page
    )
    return render_template("staff/companies.html", page=page, params=params)


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
    return render_template(
        "staff/company_form.html", form=form, company=None, duplicates=duplicates
    )


@bp.get("/companies/<int:company_id>")
def company_detail(company_id: int):
    """One company with its contacts and notes."""
    company = crm.view_company(company_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "staff/company.html",
        company=company,
        notes=crm.notes_for(company=company),
        note_form=NoteForm(),
        orders=orders_of(company),
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
        "staff/company_form.html", form=form, company=company, duplicates=duplicates
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
        "staff/company.html",
        company=company,
        notes=crm.notes_for(company=company),
        note_form=form,
        orders=orders_of(company),
    )
