"""The referral letter: its content (shared by the printable page) and its PDF, made with fpdf2."""
from dataclasses import dataclass

from flask_babel import format_date

from ..i18n import current_language, gettext as _
from ..models import ReferralRecipientCopy
from .referral_states import STATE_LABELS
from .referrers import profile_of, referrer_name

# The PDF core fonts speak Latin-1, which holds every Spanish letter and sign (á é í ó ú ü ñ ¿ ¡); these are the
# characters our reference lists use beyond it.
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"})


@dataclass(frozen=True)
class Letter:
    """What a referral letter says."""

    title: str
    date: str
    to_lines: list[str]
    from_lines: list[str]
    facts: list[tuple[str, str]]
    note: str
    closing: str


def _long_date(value) -> str:
    """November 26, 2026 / 26 de noviembre de 2026: the letter is in the language of the page it is taken from."""
    return format_date(value, "long")


def letter_for(copy: ReferralRecipientCopy) -> Letter:
    """The letter of one copy (the caller has checked the reader may see it)."""
    referral = copy.referral
    provider = copy.provider
    to_lines = []
    if provider is not None:
        to_lines.append(f"{provider.name}, {provider.credentials}" if provider.credentials else provider.name)
        office = provider.offices[0] if provider.offices else None
        if office is not None:
            to_lines.append(office.one_line)
    from_lines = [referrer_name(referral.referrer)]
    profile = profile_of(referral.referrer)
    if profile is not None:
        if profile.organization:
            from_lines.append(profile.organization)
        from_lines.append(f"NPI {profile.npi}")
    if referral.erased:
        facts = [(_("Patient details"), _("Erased on %(date)s", date=_long_date(referral.patient_fields_erased_at)))]
    else:
        where = []
        if referral.patient_zip:
            where.append(_("ZIP %(zip)s", zip=referral.patient_zip))
        if referral.telehealth_state:
            where.append(_("telehealth in %(state)s", state=referral.telehealth_state))
        facts = [
            (_("Patient reference"), referral.patient_reference),
            (_("Age group"), referral.age_group.label if referral.age_group else ""),
            (_("Location"), ", ".join(where)),
            (_("Concerns"), ", ".join(c.label for c in referral.concerns)),
            (_("Preferred approach"), referral.modality.label if referral.modality else _("No preference")),
            (_("Session frequency"), referral.frequency.label if referral.frequency else _("No preference")),
            (_("Insurance"), referral.insurance_plan.name if referral.insurance_plan else ""),
        ]
    facts += [
        (_("Urgency"), _("Soon") if referral.urgency == "soon" else _("Routine")),
        (_("Patient consent"),
         _("The patient agreed to be referred.") if referral.consent_confirmed else _("Not confirmed")),
        (_("Status"), str(STATE_LABELS.get(copy.state, copy.state))),
    ]
    if copy.appointment_date:
        facts.append((_("First appointment"), _long_date(copy.appointment_date)))
    return Letter(
        title=_("Referral for psychotherapy"),
        date=_long_date(referral.created_at),
        to_lines=to_lines,
        from_lines=from_lines,
        facts=facts,
        note="" if referral.erased else referral.note,
        closing=_("Sent through the Open Therapy Directory. Please answer the referral there, so that the referring "
                  "clinician learns whether the patient could begin."),
    )


def _plain(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def letter_pdf(letter: Letter) -> bytes:
    """The letter as a one-page PDF document."""
    from fpdf import FPDF  # imported here: fpdf2 takes longer to import than the rest of the app takes to start

    pdf = FPDF(format="Letter")
    pdf.set_title(letter.title)
    pdf.set_creator(_plain(_("Open Therapy Directory")))
    pdf.set_lang(current_language())
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_margins(22, 20, 22)
    pdf.set_x(22)
    width = pdf.w - 44
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(width, 10, _plain(letter.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(width, 7, _plain(letter.date), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for heading, lines in ((_("To"), letter.to_lines), (_("From"), letter.from_lines)):
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(width, 6, _plain(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for line in lines:
            pdf.multi_cell(width, 6, _plain(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    # Wide enough for the longest label (Spanish labels run longer than the English ones).
    label_width = max([48] + [pdf.get_string_width(_plain(label)) + 3 for label, _value in letter.facts])
    for label, value in letter.facts:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(label_width, 6, _plain(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(width - label_width, 6, _plain(value or "-"), new_x="LMARGIN", new_y="NEXT")
    if letter.note:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(width, 6, _plain(_("Note from the referring clinician")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(width, 6, _plain(letter.note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(width, 5, _plain(letter.closing), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
