"""Callback data: short prefixed strings, built and parsed only here.

Telegram allows 1-64 bytes. Every pattern is anchored, so a forged or truncated value never
matches a handler by accident; what matches nothing reaches the stale-button handler.
"""

from __future__ import annotations

import re

# Registration
REG_CONSENT_YES = "reg:consent:yes"
REG_CONSENT_NO = "reg:consent:no"
REG_CONFIRM = "reg:ok"
REG_EDIT = "reg:edit"
REG_ALL_KABUPATEN = "reg:kab:all"
REG_RESUME = "reg:resume"
REG_BACK = "reg:back"
REG_PATTERN = re.compile(
    r"^reg:(?:consent:(?P<consent>yes|no)|(?P<ok>ok)|(?P<menu>edit)|edit:(?P<edit>name|business|product|cluster|phone)"
    r"|(?P<resume>resume)|(?P<back>back)"
    r"|kab:(?P<kab>\d{1,4}|all)(?::p(?P<page>\d{1,3}))?|cl:(?P<cluster>\d{1,10}))$"
)


def reg_edit(step: str) -> str:
    return f"reg:edit:{step}"


def _page(page: int) -> str:
    return f":p{page}" if page else ""


def reg_kabupaten(index: int | str, page: int = 0) -> str:
    """A kabupaten's clusters (or, with "all", the kabupaten list), at a page of the picker."""
    return f"reg:kab:{index}{_page(page)}"


def reg_cluster(cluster_id: int) -> str:
    return f"reg:cl:{cluster_id}"


# A chair's decision on a join request
APPROVAL_PATTERN = re.compile(r"^appr:(?P<decision>yes|no):(?P<member>\d{1,10})$")


def approval(accept: bool, member_id: int) -> str:
    return f"appr:{'yes' if accept else 'no'}:{member_id}"


# Language
LANGUAGE_PATTERN = re.compile(r"^lang:(?P<language>[a-z]{2})$")


def language(code: str) -> str:
    return f"lang:{code}"


# Profile
PROFILE_PATTERN = re.compile(r"^prof:(?:edit:(?P<field>name|business|product|phone)|(?P<delphone>phone:del))$")
PROFILE_REMOVE_PHONE = "prof:phone:del"


def profile_edit(field: str) -> str:
    return f"prof:edit:{field}"


# Picking a cluster for a chair's or koordinator's command
PICK_PURPOSES = ("undang", "anggota", "ketua", "ringkasan", "belumlapor", "zona")
PICK_PATTERN = re.compile(
    r"^pick:(?P<purpose>undang|anggota|ketua|ringkasan|belumlapor|zona):(?:kab:(?P<kab>\d{1,4}|all)(?::p(?P<page>\d{1,3}))?"
    r"|cl:(?P<cluster>\d{1,10}))$"
)


def pick_kabupaten(purpose: str, index: int | str, page: int = 0) -> str:
    """A kabupaten's clusters (or, with "all", the kabupaten list), at a page of the picker."""
    return f"pick:{purpose}:kab:{index}{_page(page)}"


def pick_cluster(purpose: str, cluster_id: int) -> str:
    return f"pick:{purpose}:cl:{cluster_id}"


# /anggota filtered by a member state (bot.services.member_states.State), or all
ANGGOTA_PATTERN = re.compile(r"^agt:(?P<cluster>\d{1,10}):(?P<state>lapor|nol|belum|blokir|henti|tunggu|semua)$")


def members_filter(cluster_id: int, state: str) -> str:
    return f"agt:{cluster_id}:{state}"


# Removing a member from the cluster (under /anggota): a page of members, the confirmation,
# "Ya, keluarkan" and "Batal".
LEAVE_PATTERN = re.compile(r"^kel:(?:(?P<cluster>\d{1,10}):p(?P<page>\d{1,5})|(?P<action>ask|ok|no):(?P<member>\d{1,10}))$")


def leave_page(cluster_id: int, page: int) -> str:
    return f"kel:{cluster_id}:p{page}"


def leave(action: str, member_id: int) -> str:
    """ask: the confirmation; ok: remove; no: keep."""
    return f"kel:{action}:{member_id}"


# Appointing chairs
CHAIR_PATTERN = re.compile(r"^ketua:(?P<action>set|del):(?P<cluster>\d{1,10}):(?P<member>\d{1,10})$")


def chair(appoint: bool, cluster_id: int, member_id: int) -> str:
    return f"ketua:{'set' if appoint else 'del'}:{cluster_id}:{member_id}"


# Creating a cluster from the chat: its zone, and does joining need approval?
CLUSTER_SETUP_PATTERN = re.compile(r"^klaster:(?:appr:(?P<answer>yes|no)|tz:(?P<zone>WIB|WITA|WIT))$")


def cluster_setup_approval(required: bool) -> str:
    return f"klaster:appr:{'yes' if required else 'no'}"


def cluster_setup_zone(short_name: str) -> str:
    return f"klaster:tz:{short_name}"


# Moving an existing cluster to another zone
CLUSTER_ZONE_PATTERN = re.compile(r"^zona:(?P<cluster>\d{1,10}):(?P<zone>WIB|WITA|WIT)$")


def cluster_zone(cluster_id: int, short_name: str) -> str:
    return f"zona:{cluster_id}:{short_name}"


# Monthly omzet. Answers carry the month and the amount they were shown with, so a button
# from an older question can never confirm a different figure than the one on its message.
_MONTH = r"\d{4}-\d{2}"
OMZET_PATTERN = re.compile(
    rf"^omzet:(?:m:(?P<month>{_MONTH})|(?P<more>more)|(?P<stop>stop)|edit:(?P<edit>{_MONTH})"
    rf"|(?P<answer>amt|ok|sure|fix):(?P<answer_month>{_MONTH}):(?P<rupiah>\d{{1,14}}))$"
)
OMZET_MORE_MONTHS = "omzet:more"
OMZET_CANCEL = "omzet:stop"


def omzet_month(month: str) -> str:
    """A month button ("2026-10")."""
    return f"omzet:m:{month}"


def omzet_retype(month: str) -> str:
    """ "Ubah" / "Tulis ulang": type the amount for the month again."""
    return f"omzet:edit:{month}"


def omzet_choice(month: str, rupiah: int) -> str:
    """One reading of an ambiguous amount ("12,5": juta or ribu)."""
    return f"omzet:amt:{month}:{rupiah}"


def omzet_confirm(month: str, rupiah: int) -> str:
    """ "Benar" on the echo of the amount."""
    return f"omzet:ok:{month}:{rupiah}"


def omzet_sure(month: str, rupiah: int) -> str:
    """ "Ya, yakin" on the plausibility question."""
    return f"omzet:sure:{month}:{rupiah}"


def omzet_replace(month: str, rupiah: int) -> str:
    """ "Ya, ganti" on the correction question."""
    return f"omzet:fix:{month}:{rupiah}"


# Composing an announcement (/umumkan)
# "send" and "schedok" name the draft they send (its key), so a button of a draft sent
# already is recognised, and never sends the draft composed after it; without a key (buttons
# from before keys) they send the draft at its preview.
COMPOSE_PATTERN = re.compile(
    r"^umum:(?:t:(?P<target>all|(?:kab|kom|cl):\d{1,10})|k:(?P<kind>peluang|pelatihan|umum)"
    r"|(?P<action>send|sched|schedok|edit|abort|cont|new)(?::(?P<draft>[0-9a-f]{8}))?|unsched:(?P<unsched>\d{1,10}))$"
)


def compose_target(key: str) -> str:
    return f"umum:t:{key}"


def compose_kind(kind: str) -> str:
    return f"umum:k:{kind}"


def compose_action(action: str, draft_key: str | None = None) -> str:
    return f"umum:{action}:{draft_key}" if draft_key else f"umum:{action}"


def unschedule(announcement_id: int) -> str:
    return f"umum:unsched:{announcement_id}"


# A member's answer to an announcement, and the author's lists
ANSWER_PATTERN = re.compile(
    r"^ann:(?P<answer>ikut|tidak|tertarik|batal|list|xlsx|nomorya|nomortidak):(?P<announcement>\d{1,10})$"
)


def answer(kind: str, announcement_id: int) -> str:
    return f"ann:{kind}:{announcement_id}"


# Summaries: another month of a cluster, its chart, a nudge to those who have not reported
SUMMARY_PATTERN = re.compile(
    r"^ring:(?P<action>m|chart|nudge|missing):(?P<cluster>\d{1,10}):(?P<month>\d{4}-\d{2})$"
)


def summary_action(action: str, cluster_id: int, month: str) -> str:
    return f"ring:{action}:{cluster_id}:{month}"


# Criteria and the shortlist: list / new, use a set, rank or chart by a set for a month, add,
# remove or write the note of a shortlisted cluster, show the shortlist.
CRITERIA_PATTERN = re.compile(
    r"^krit:(?:(?P<plain>list|new|short)|(?P<action>use|add|del|note):(?P<id>\d{1,10})"
    r"|(?P<view>rank|chart):(?P<set>\d{1,10}):(?P<month>\d{4}-\d{2}))$"
)


def criteria(action: str, target: int | None = None, month: str | None = None) -> str:
    """ "krit:list", "krit:add:<cluster>", "krit:rank:<set>:<month>" (set 0: the built-in one)."""
    parts = ["krit", action] + ([str(target)] if target is not None else []) + ([month] if month else [])
    return ":".join(parts)


# Data rights: "Tarik persetujuan" under /dataku, the confirmation of an erasure (which names
# the member row it was asked about, 0 for none, so a button from before a new registration
# cannot delete the new one) and "Batal".
PRIVACY_WITHDRAW = "priv:withdraw"
PRIVACY_KEEP = "priv:keep"
PRIVACY_PATTERN = re.compile(
    r"^priv:(?:(?P<withdraw>withdraw)|(?P<keep>keep)|(?P<reason>request|consent_withdrawn):(?P<member>\d{1,10}))$"
)


def privacy_erase(reason: str, member_id: int) -> str:
    """ "Ya, hapus data saya" / "Ya, tarik persetujuan"."""
    return f"priv:{reason}:{member_id}"


# Market requests (/permintaan): composing; a member's "Sanggup", amounts, withdrawal, date and
# answer to their part; the author's list, close, allocation; follow-ups; the omzet question;
# which opportunities a member receives.
REQUEST_SKIP = "req:skip"
REQUEST_ABORT = "req:abort"
REQUEST_STOP = "req:stop"
REQUEST_DECLINE = "req:x"
REQUEST_PATTERN = re.compile(
    r"^req:(?:t:(?P<target>all|(?:kab|kom|cl):\d{1,10})|(?P<compose>send|skip|abort)(?::(?P<draft>[0-9a-f]{8}))?"
    r"|(?P<stop>stop)|(?P<decline>x)"
    r"|(?P<action>[sowrlcakyn]):(?P<request>\d{1,10})|q:(?P<qrequest>\d{1,10}):(?P<quantity>\d{1,10})"
    r"|d:(?P<deal>\d{1,10}):(?P<deal_answer>deal|nego|no|declined)|m:(?P<mfollowup>\d{1,10}):(?P<member_answer>fill|declined)"
    r"|i:(?P<ifollowup>\d{1,10}):(?P<included>included|not_included|declined)|f:(?P<filter>all|mine))$"
)


def request_target(key: str) -> str:
    return f"req:t:{key}"


def request_send(draft_key: str | None) -> str:
    return f"req:send:{draft_key}" if draft_key else "req:send"


def request_action(action: str, request_id: int) -> str:
    """s Sanggup, o jumlah lain, w tarik, r tanggal siap, l daftar, c tutup, a bagi, k kirim
    pembagian, y / n the member's answer to their part."""
    return f"req:{action}:{request_id}"


def request_quantity(request_id: int, quantity: int) -> str:
    return f"req:q:{request_id}:{quantity}"


def request_deal(followup_id: int, answer: str) -> str:
    return f"req:d:{followup_id}:{answer}"


def request_member(followup_id: int, answer: str) -> str:
    return f"req:m:{followup_id}:{answer}"


def request_included(followup_id: int, answer: str) -> str:
    return f"req:i:{followup_id}:{answer}"


def request_filter(only_mine: bool) -> str:
    return f"req:f:{'mine' if only_mine else 'all'}"


ALL_PATTERNS = (
    REG_PATTERN,
    APPROVAL_PATTERN,
    LANGUAGE_PATTERN,
    PROFILE_PATTERN,
    PICK_PATTERN,
    CHAIR_PATTERN,
    ANGGOTA_PATTERN,
    LEAVE_PATTERN,
    CLUSTER_SETUP_PATTERN,
    CLUSTER_ZONE_PATTERN,
    OMZET_PATTERN,
    COMPOSE_PATTERN,
    ANSWER_PATTERN,
    SUMMARY_PATTERN,
    CRITERIA_PATTERN,
    PRIVACY_PATTERN,
    REQUEST_PATTERN,
)


# Katalog: a member's products, and buyers' enquiries
CATALOGUE_PATTERN = re.compile(
    r"^kat:(?:(?P<add>add)|(?P<list>list)|(?P<stop>stop)|(?P<resume>resume)"
    r"|(?P<action>show|pub|hide|edit|del|delok|phone|nophone|ask|certok):(?P<product>\d{1,12})"
    r"|kind:(?P<kproduct>\d{1,12}):(?P<kind>tulis|cap|kombinasi|printing|a|b|c|skip)"
    r"|cert:(?P<cproduct>\d{1,12}):(?P<cert>batikmark|pirt|halal|nib)"
    r"|field:(?P<fproduct>\d{1,12}):(?P<field>name|kind|unit|retail|wholesale|min_order|capacity|lead|certificates|photo)"
    r"|consent:(?P<consent>yes|no)"
    r"|(?P<enq_action>reply|share|draft|drop):(?P<enquiry>\d{1,12}))$"
)
CATALOGUE_ADD = "kat:add"
CATALOGUE_LIST = "kat:list"
CATALOGUE_STOP = "kat:stop"
CATALOGUE_RESUME = "kat:resume"


def catalogue(action: str, product_id: int) -> str:
    return f"kat:{action}:{product_id}"


def catalogue_field(product_id: int, field: str) -> str:
    return f"kat:field:{product_id}:{field}"


def catalogue_kind(product_id: int, code: str) -> str:
    """A kind's button at the kind step (a code of bot.catalogue_types.kind_choices, or skip)."""
    return f"kat:kind:{product_id}:{code}"


def catalogue_certificate(product_id: int, name: str) -> str:
    """A certificate's toggle at the certificates step."""
    return f"kat:cert:{product_id}:{name}"


def enquiry_consent(agreed: bool) -> str:
    return f"kat:consent:{'yes' if agreed else 'no'}"


def enquiry(action: str, enquiry_id: int) -> str:
    return f"kat:{action}:{enquiry_id}"


PRODUCT_LINK = re.compile(r"^p_(?P<id>\d{1,12})$")


def product_start_parameter(product_id: int) -> str:
    """The deep-link parameter of a product: t.me/<bot>?start=p_<id> (1-64 of A-Za-z0-9_-)."""
    return f"p_{product_id}"
