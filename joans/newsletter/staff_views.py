"""Newsletters: write a draft, preview it, test it on yourself, send it, follow its progress.

Also the contact page's "objection received by e-mail" button, which takes a contact off the list
at once (CHECKLISTS N8).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from joans.backoffice import bp
from joans.backoffice.dashboard import Panel, dashboard_panel
from joans.backoffice.forms import ConfirmForm
from joans.extensions import db
from joans.i18n import LANGUAGES
from joans.mail_transport import DeliveryError
from joans.models.crm import Contact
from joans.newsletter import campaigns, subscriptions
from joans.newsletter.staff_forms import NewsletterForm, SendNewsletterForm


def _newsletter_or_404(newsletter_id: int):
    return campaigns.find_newsletter(newsletter_id) or abort(404)


@bp.get("/newsletters")
def newsletters():
    """Every campaign with its progress, and how many would get the next one."""
    items = [(item, campaigns.progress(item.id)) for item in campaigns.list_newsletters()]
    return render_template(
        "newsletter/newsletters.html", items=items, recipients=campaigns.recipient_counts()
    )


@bp.route("/newsletters/new", methods=["GET", "POST"])
def newsletter_new():
    """Write a new draft."""
    form = NewsletterForm()
    if form.validate_on_submit():
        newsletter = campaigns.create_newsletter(form.values(), actor_id=current_user.id)
        flash(_("The draft is saved. Preview it and send yourself a test."), "success")
        return redirect(url_for("staff.newsletter_detail", newsletter_id=newsletter.id))
    return render_template("newsletter/newsletter_form.html", form=form, newsletter=None)


@bp.route("/newsletters/<int:newsletter_id>/edit", methods=["GET", "POST"])
def newsletter_edit(newsletter_id: int):
    """Change a draft; a newsletter that has been sent stays as it went out."""
    newsletter = _newsletter_or_404(newsletter_id)
    if not newsletter.is_draft:
        flash(_("This newsletter has been sent and can no longer be changed."), "info")
        return redirect(url_for("staff.newsletter_detail", newsletter_id=newsletter.id))
    form = NewsletterForm(obj=newsletter)
    if form.validate_on_submit():
        campaigns.update_newsletter(newsletter, form.values(), actor_id=current_user.id)
        flash(_("The draft is saved."), "success")
        return redirect(url_for("staff.newsletter_detail", newsletter_id=newsletter.id))
    return render_template("newsletter/newsletter_form.html", form=form, newsletter=newsletter)


@bp.get("/newsletters/<int:newsletter_id>")
def newsletter_detail(newsletter_id: int):
    """A campaign: its languages, test and send buttons, or its progress and problems."""
    newsletter = _newsletter_or_404(newsletter_id)
    progress = None if newsletter.is_draft else campaigns.progress(newsletter.id)
    problems = (
        campaigns.problems(newsletter.id, actor_id=current_user.id)
        if progress and (progress.failed or progress.unknown)
        else []
    )
    return render_template(
        "newsletter/newsletter.html",
        newsletter=newsletter,
        progress=progress,
        problems=problems,
        recipients=campaigns.recipient_counts() if newsletter.is_draft else None,
        test_form=ConfirmForm(),
        send_form=SendNewsletterForm(),
        languages=LANGUAGES,
    )


@bp.get("/newsletters/<int:newsletter_id>/preview/<any(sv, en):language>")
def newsletter_preview(newsletter_id: int, language: str):
    """The newsletter in one language as a recipient will see it (its link unsubscribes nobody)."""
    newsletter = _newsletter_or_404(newsletter_id)
    if language not in newsletter.languages:
        abort(404)
    return render_template(
        "newsletter/newsletter_preview.html",
        newsletter=newsletter,
        preview=campaigns.preview(newsletter, language),
        languages=LANGUAGES,
    )


@bp.post("/newsletters/<int:newsletter_id>/test")
def newsletter_test(newsletter_id: int):
    """Send each language version to the staff member's own address, right now."""
    newsletter = _newsletter_or_404(newsletter_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        campaigns.send_test(newsletter.id, to=current_user.email, actor_id=current_user.id)
    except DeliveryError as error:
        flash(
            _("The mail server did not accept the test e-mail (%(code)s).", code=error.code),
            "error",
        )
    else:
        flash(_("A test e-mail is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("staff.newsletter_detail", newsletter_id=newsletter.id))


@bp.post("/newsletters/<int:newsletter_id>/send")
def newsletter_send(newsletter_id: int):
    """Queue the newsletter for every current subscriber; the outbox worker sends it."""
    newsletter = _newsletter_or_404(newsletter_id)
    form = SendNewsletterForm()
    if not form.validate_on_submit():
        flash(form.confirm.errors[0] if form.confirm.errors else _("Try again."), "error")
        return redirect(url_for("staff.newsletter_detail", newsletter_id=newsletter.id))
    queued = campaigns.queue_newsletter(newsletter.id, actor_id=current_user.id)
    if queued is None:
        flash(_("This newsletter has already been sent. Nobody gets it twice."), "info")
    else:
        flash(
            _(
                "The newsletter is queued for %(count)d recipients and goes out in the next "
                "few minutes.",
                count=queued,
            ),
            "success",
        )
    return redirect(url_for("staff.newsletter_detail", newsletter_id=newsletter.id))


@bp.post("/contacts/<int:contact_id>/newsletter-objection")
def contact_newsletter_objection(contact_id: int):
    """Record that the contact told us by e-mail that they want no newsletters; at once."""
    contact = db.get_or_404(Contact, contact_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    subscriptions.record_objection(contact.id, actor_id=current_user.id)
    flash(
        _("Recorded: %(name)s gets no newsletters from now on.", name=contact.full_name), "success"
    )
    return redirect(url_for("staff.contact_detail", contact_id=contact.id))


@dashboard_panel
def newsletter_panel() -> Panel:
    """How many get the next newsletter, and how the latest one is going."""
    latest = next((item for item in campaigns.list_newsletters() if not item.is_draft), None)
    return Panel(
        _l("Newsletter"),
        "newsletter/_panel.html",
        {
            "recipients": sum(campaigns.recipient_counts().values()),
            "latest": latest,
            "progress": campaigns.progress(latest.id) if latest else None,
        },
        order=40,
    )
