"""Referral Connect's pages: the steps of the referral form, what the referrer gets, the status check.

Every POST carries a CSRF token that must match the browser's own cookie (double submit, cookies
SameSite=Strict) and comes from this site (Origin); the form's answers live on the server between
steps under a random token in a cookie, never in the page's address."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from babel.dates import format_datetime
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from callcenter.domain import web_referral as rules
from callcenter.domain.business_time import deadline
from callcenter.domain.timefmt import line_date, line_zone
from callcenter.store import web_referrals
from callcenter.store.errors import StoreError
from callcenter.web import words

if TYPE_CHECKING:
    from callcenter.web.site import _Site

CSRF_COOKIE = "csrf"
DRAFT_COOKIE = "referral"
HONEYPOT = "website"  # a field people never see; software that fills every field fills it
MAX_FORM_BYTES = 32 * 1024
MAX_FIELDS = 40
# "Tuesday, November 24 at 10:00 AM" / "martes 24 de noviembre a las 10:00", in the line's time zone.
WHEN_PATTERNS = {"en": "EEEE, MMMM d 'at' h:mm a", "es": "EEEE d 'de' MMMM 'a las' H:mm"}


class ReferralPages:
    def __init__(self, site: _Site, policy: Any) -> None:
        self.site = site
        self.policy = policy

    # --- the steps -----------------------------------------------------------------------------

    async def step(self, lang: str, request: Request) -> Response:
        step = request.path_params["step"]
        if step not in rules.STEPS:
            return self.site.not_found(request)
        token = request.cookies.get(DRAFT_COOKIE)
        now = self.site.clock()
        try:
            answers = await run_in_threadpool(web_referrals.load_draft, self.site.db, token, now)
        except StoreError:
            return self.site.unavailable(request, lang)
        if request.method == "POST":
            return await self._posted(lang, request, step, token, answers)
        first_open = self._first_unfinished(answers, now)
        if rules.STEPS.index(step) > rules.STEPS.index(first_open):
            return RedirectResponse(self._url(lang, first_open), status_code=303)
        typed = {name: answers.get(name, "") for name in rules.STEP_FIELDS[step]}
        return self._form(request, lang, step, typed, {}, answers)

    async def _posted(self, lang: str, request: Request, step: str, token: str | None, answers: dict) -> Response:
        form = await self._form_fields(request)
        if form is None:
            return self.site.message(request, lang, "body", 413)
        if not self._csrf_ok(request, form):
            return self.site.message(request, lang, "expired", 403)
        if form.get(HONEYPOT):
            return self.site.message(request, lang, "automatic", 400)
        now = self.site.clock()
        typed = rules.typed_of(form, step)
        check = rules.check_step(step, typed, self._today(now), answers)
        if check.problems:
            problems = {
                problem.field: words.problem_text(problem, self.site.gettext(lang)) for problem in check.problems
            }
            return self._form(request, lang, step, typed, problems, answers, status=400)
        answers = {**answers, **typed}
        if step != "review":
            token = token or secrets.token_urlsafe(32)
            try:
                await run_in_threadpool(web_referrals.save_draft, self.site.db, token, answers, now)
            except StoreError:
                return self.site.unavailable(request, lang)
            following = rules.STEPS[rules.STEPS.index(step) + 1]
            response = RedirectResponse(self._url(lang, following), status_code=303)
            self._set_cookie(
                response, request, DRAFT_COOKIE, token, max_age=int(web_referrals.DRAFT_LIFETIME.total_seconds())
            )
            return response
        if not rules.complete(answers, self._today(now)):
            return RedirectResponse(self._url(lang, self._first_unfinished(answers, now)), status_code=303)
        limited = self.site.limited(request, lang, "send", self.site.settings.referrals_per_minute)
        if limited is not None:
            return limited
        from callcenter.web.site import client_address

        due = deadline(now, self.policy.web_referral_promise, self.policy.hours)
        try:
            sent = await run_in_threadpool(
                lambda: web_referrals.send(
                    self.site.db,
                    answers,
                    now,
                    due,
                    language=lang,
                    client_address=client_address(request.scope, self.site.settings),
                )
            )
            await run_in_threadpool(web_referrals.discard_draft, self.site.db, token)
        except StoreError:
            return self.site.unavailable(request, lang)
        thanks = self.site.page(
            request,
            lang,
            "refer_sent.html",
            {"sent": sent, "due": self._when(sent.due_at, lang), "in_danger": sent.emergency},
        )
        thanks.delete_cookie(DRAFT_COOKIE, path="/")
        return thanks

    def _first_unfinished(self, answers: dict[str, str], now: datetime) -> str:
        for step in rules.STEPS[:-1]:
            typed = {name: answers.get(name, "") for name in rules.STEP_FIELDS[step]}
            if rules.check_step(step, typed, self._today(now), answers).problems:
                return step
        return "review"

    def _form(
        self,
        request: Request,
        lang: str,
        step: str,
        typed: dict[str, str],
        problems: dict[str, str],
        answers: dict[str, str],
        status: int = 200,
    ) -> Response:
        gettext = self.site.gettext(lang)
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        number = rules.STEPS.index(step) + 1
        context = {
            "step": step,
            "step_number": number,
            "steps": [(name, gettext(words.REFERRAL_STEPS[name]), self._url(lang, name)) for name in rules.STEPS],
            "typed": typed,
            "problems": problems,
            "answers": answers,
            "in_danger": rules.in_danger(answers) or typed.get("danger") in ("suicide", "harm_others", "medical"),
            "labels": {name: gettext(label) for name, label in words.REFERRAL_LABELS.items()},
            "choices": {
                name: [(value, gettext(label)) for value, label in options.items()]
                for name, options in words.REFERRAL_CHOICES.items()
            },
            "review": self._review(answers, gettext) if step == "review" else [],
            "csrf": csrf,
            "honeypot": HONEYPOT,
            "action": self._url(lang, step),
        }
        response = self.site.page(request, lang, "refer.html", context, status=status)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            self._set_cookie(response, request, CSRF_COOKIE, csrf)
        return response

    def _review(self, answers: dict[str, str], gettext: Callable[[str], str]) -> list[tuple[str, str, str, str]]:
        """(step, label, answer) for the last page: what will be sent, each with the step to change it."""
        rows = []
        for step in rules.STEPS[:-1]:
            for name in rules.STEP_FIELDS[step]:
                value = answers.get(name, "")
                if not value:
                    continue
                options = words.REFERRAL_CHOICES.get(name)
                shown = gettext(options[value]) if options and value in options else value
                rows.append((step, name, gettext(words.REFERRAL_LABELS[name]), shown))
        return rows

    # --- the status check ----------------------------------------------------------------------

    async def status(self, lang: str, request: Request) -> Response:
        typed = {"reference": "", "last_four": ""}
        context: dict[str, Any] = {"typed": typed, "problems": {}, "status": None}
        if request.method == "POST":
            form = await self._form_fields(request)
            if form is None:
                return self.site.message(request, lang, "body", 413)
            if not self._csrf_ok(request, form):
                return self.site.message(request, lang, "expired", 403)
            typed = {
                "reference": " ".join(form.get("reference", "").split())[:20],
                "last_four": "".join(form.get("last_four", "").split())[:10],
            }
            context["typed"] = typed
            gettext = self.site.gettext(lang)
            problems = {}
            if len(rules.normal_reference(typed["reference"])) != len(rules.REFERENCE_PREFIX) + rules.REFERENCE_LENGTH:
                problems["reference"] = gettext("Type the reference number you were given, like RC-7K3M9QXA.")
            if not (typed["last_four"].isdigit() and len(typed["last_four"]) == 4):
                problems["last_four"] = gettext("Type the last four digits of the phone number you gave.")
            if problems:
                context["problems"] = problems
                return self._status_page(request, lang, context, 400)
            # Every check counts, found or not: guessing references is as slow as the limit makes it.
            limited = self.site.limited(request, lang, "status", self.site.settings.status_checks_per_minute)
            if limited is not None:
                return limited
            try:
                found = await run_in_threadpool(
                    web_referrals.status_of, self.site.db, typed["reference"], typed["last_four"]
                )
            except StoreError:
                return self.site.unavailable(request, lang)
            if found is None:
                context["problems"] = {
                    "reference": gettext(
                        "We found no referral with this number and these digits. Check both, or call the access line."
                    )
                }
                return self._status_page(request, lang, context, 404)
            context["status"] = gettext(words.STATUSES[found])
            context["status_key"] = found
        return self._status_page(request, lang, context)

    def _status_page(self, request: Request, lang: str, context: dict[str, Any], status: int = 200) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = self.site.page(
            request,
            lang,
            "refer_status.html",
            {**context, "csrf": csrf, "action": f"{_prefix(lang)}/refer/status"},
            status,
        )
        if request.cookies.get(CSRF_COOKIE) != csrf:
            self._set_cookie(response, request, CSRF_COOKIE, csrf)
        return response

    # --- shared --------------------------------------------------------------------------------

    async def _form_fields(self, request: Request) -> dict[str, str] | None:
        """The posted form, or None when it is not a small urlencoded form."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        form: dict[str, str] = {}
        for name, value in pairs:
            form.setdefault(name[:40], value)  # the first of repeated fields
        return form

    def _csrf_ok(self, request: Request, form: dict[str, str]) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
            return False
        origin = request.headers.get("origin")
        if origin and origin != "null":
            own = f"{request.url.scheme}://{request.headers.get('host', '')}"
            return origin == own
        return True

    def _set_cookie(
        self, response: Response, request: Request, name: str, value: str, max_age: int | None = None
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def _url(self, lang: str, step: str) -> str:
        return f"{_prefix(lang)}/refer/{step}"

    def _today(self, now: datetime):
        return line_date(now)

    def _when(self, moment: datetime, lang: str) -> str:
        pattern = WHEN_PATTERNS.get(lang, WHEN_PATTERNS["en"])
        return format_datetime(moment, pattern, tzinfo=line_zone(), locale=lang)


def _prefix(lang: str) -> str:
    return "" if lang == "en" else f"/{lang}"
