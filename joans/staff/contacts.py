"""Contacts: list, create, view, edit, notes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.services import crm
from joans.services.newsletter_subscriptions import contact_status
from joans.staff.blueprint import bp
from joans.staff.forms import ConfirmForm, ContactForm, NoteForm
from joans.staff.listing import list_params


@bp.get("/contacts")
def contacts():
    """All contacts, one page at a time, sortable."""
    params = list_params(crm.CONTACT_SORTS, "last_name")
    page = crm.list_contacts(
        sort=params.sort, descending=params.descending, page=params.page, per_page=params.per_page
    )
    return render_template("staff/contacts.html", page=page, params=params)


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
    return render_template(
        "staff/contact_form.html", form=form, contact=None, duplicates=duplicates
    )


@bp.get("/contacts/<int:contact_id>")
def contact_detail(contact_id: int):
    """One contact with their notes."""
    contact = crm.view_contact(contact_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "staff/contact.html",
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
        "staff/contact_form.html", form=form, contact=contact, duplicates=duplicates
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
        "staff/contact.html",
        contact=contact,
        notes=crm.notes_for(contact=contact),
        note_form=form,
        newsletter=contact_status(contact),
        objection_form=ConfirmForm(),
    )
