"""Invoices and credit notes: the list, one invoice, its PDF, sending it, crediting it."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from joans.backoffice import bp
from joans.backoffice.forms import ConfirmForm
from joans.backoffice.listing import list_params
from joans.billing import invoices as invoice_service
from joans.billing.invoices import InvoiceError
from joans.billing.pdf import render_invoice_pdf
from joans.billing.staff_forms import CreditNoteForm


@bp.get("/invoices")
def invoices():
    """Invoices and credit notes, newest number first."""
    params = list_params({}, "number")
    page = invoice_service.list_invoices(page=params.page, per_page=params.per_page)
    return render_template("billing/invoices.html", page=page)


@bp.get("/invoices/<int:invoice_id>")
def invoice_detail(invoice_id: int):
    """One invoice as issued, with its credit note or the form to issue one."""
    invoice = invoice_service.view_invoice(invoice_id, actor_id=current_user.id) or abort(404)
    return render_template(
        "billing/invoice.html",
        invoice=invoice,
        last_sent=invoice_service.last_sent(invoice),
        form=ConfirmForm(),
        credit_form=CreditNoteForm(),
    )


@bp.get("/invoices/<int:invoice_id>/pdf")
def invoice_pdf(invoice_id: int):
    """The invoice as a PDF download."""
    invoice = invoice_service.view_invoice(
        invoice_id, actor_id=current_user.id, purpose="pdf"
    ) or abort(404)
    filename = invoice_service.pdf_filename(invoice)
    return Response(
        render_invoice_pdf(invoice),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/invoices/<int:invoice_id>/send")
def invoice_send(invoice_id: int):
    """E-mail the invoice (again) to the buyer."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invoice_service.send_invoice(invoice_id, actor_id=current_user.id)
    except InvoiceError as error:
        flash(str(error.args[0]), "warning")
    else:
        flash(_("The invoice is sent to the buyer."), "success")
    return redirect(url_for("staff.invoice_detail", invoice_id=invoice_id))


@bp.post("/invoices/<int:invoice_id>/credit")
def invoice_credit(invoice_id: int):
    """Cancel the invoice with a credit note, and e-mail the credit note."""
    form = CreditNoteForm()
    invoice = invoice_service.find_invoice(invoice_id) or abort(404)
    if not form.validate_on_submit():
        return render_template(
            "billing/invoice.html",
            invoice=invoice,
            last_sent=invoice_service.last_sent(invoice),
            form=ConfirmForm(),
            credit_form=form,
        ), 422
    try:
        issued = invoice_service.issue_and_send_credit_note(
            invoice_id, reason=form.reason.data, actor_id=current_user.id
        )
    except InvoiceError as error:
        flash(str(error.args[0]), "warning")
        return redirect(url_for("staff.invoice_detail", invoice_id=invoice_id))
    flash(_("Credit note %(number)s is issued.", number=issued.invoice.number), "success")
    if issued.send_error:
        flash(str(issued.send_error.args[0]), "warning")
    return redirect(url_for("staff.invoice_detail", invoice_id=issued.invoice.id))
