# ruff: noqa: E501  (the embedded HTML template and CSS read better unwrapped)
"""The report as one self-contained, printable HTML page in Danish (R3.13).

No external files: the CSS and the SVG charts are inline, so the page can be
mailed, printed or dropped on the intranet as it is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, select_autoescape

from omstilling.domain.kpi import Targets
from omstilling.domain.organisation import Organisation
from omstilling.domain.quality import CRITERIA, summarise
from omstilling.reports import charts
from omstilling.reports.danish import num, pct, period, seconds

CSS = """
:root { --ink:#1b1f24; --muted:#4d5661; --line:#d4d9e0; --ok:#136c2e; --ok-bg:#e3f4e8;
  --bad:#a1161b; --bad-bg:#fde7e8; --accent:#0b5cad; }
body.report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1000px; padding: 24px; line-height: 1.45; }
.report h1 { font-size: 1.6rem; margin: 0; } .report h2 { font-size: 1.2rem; margin: 28px 0 8px;
  border-bottom: 2px solid var(--line); padding-bottom: 4px; }
.report .sub { color: var(--muted); margin: 4px 0 16px; }
.report .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; }
.report .card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.report .card .v { font-size: 1.6rem; font-weight: 700; }
.report .card .l { color: var(--muted); font-size: .9rem; }
.report .card.ok { border-color: var(--ok); background: var(--ok-bg); }
.report .card.bad { border-color: var(--bad); background: var(--bad-bg); }
.report .card .t { font-size: .85rem; }
.report table { border-collapse: collapse; width: 100%; font-size: .92rem; }
.report th, .report td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); }
.report td.n, .report th.n { text-align: right; font-variant-numeric: tabular-nums; }
.report .chart { width: 100%; height: auto; } .report .heat { max-width: 760px; }
.report .note { color: var(--muted); font-size: .88rem; }
.report .miss { color: var(--bad); font-weight: 600; } .report .hit { color: var(--ok); font-weight: 600; }
@media print { body.report { padding: 0; max-width: none; } .report h2 { break-after: avoid; }
  .report table, .report svg, .report .cards { break-inside: avoid; } .noprint { display: none; } }
"""

TEMPLATE = """\
<section class="report">
<h1>{{ title }}</h1>
<p class="sub">{{ period_text }} · {{ municipality }} · servicegrad målt ved {{ t.threshold }} sekunder</p>
{% if not tot.offered %}<p class="note">Der er ingen opkald i perioden.</p>{% endif %}
<div class="cards">
  <div class="card {{ 'ok' if met.answer_rate else 'bad' }}"><div class="l">Besvarede opkald</div>
    <div class="v">{{ pct(tot.answer_rate) }}</div>
    <div class="t">Mål: mindst {{ pct(targets.answer_rate, 0) }} ·
      <span class="{{ 'hit' if met.answer_rate else 'miss' }}">{{ 'nået' if met.answer_rate else 'ikke nået' }}</span></div></div>
  <div class="card {{ 'ok' if met.service_level else 'bad' }}"><div class="l">Besvaret inden {{ t.threshold }} sek. (servicegrad)</div>
    <div class="v">{{ pct(tot.service_level) }}</div>
    <div class="t">Mål: {{ pct(targets.service_level, 0) }} ·
      <span class="{{ 'hit' if met.service_level else 'miss' }}">{{ 'nået' if met.service_level else 'ikke nået' }}</span></div></div>
  <div class="card {{ 'ok' if met.abandon_rate else 'bad' }}"><div class="l">Lagt på i køen</div>
    <div class="v">{{ pct(tot.abandon_rate) }}</div>
    <div class="t">Mål: under {{ pct(targets.max_abandon_rate, 0) }} ·
      <span class="{{ 'hit' if met.abandon_rate else 'miss' }}">{{ 'nået' if met.abandon_rate else 'ikke nået' }}</span></div></div>
  <div class="card"><div class="l">Opkald i alt</div><div class="v">{{ num(tot.offered) }}</div>
    <div class="t">{{ num(tot.answered) }} besvaret · {{ num(tot.abandoned) }} lagt på · {{ num(tot.timed_out) }} udløbet</div></div>
  <div class="card"><div class="l">Gennemsnitlig ventetid (besvarede)</div><div class="v">{{ seconds(tot.asa_seconds) }}</div>
    <div class="t">Længste ventetid: {{ seconds(tot.max_wait_seconds) }}</div></div>
  <div class="card"><div class="l">Tilbage til omstillingen (R1.3)</div><div class="v">{{ num(tot.returned_to_switchboard) }}</div>
    <div class="t">Omstillede opkald, der kom tilbage</div></div>
  {% if ft %}<div class="card"><div class="l">Rette person ved første omstilling</div>
    <div class="v">{{ pct(ft.rate) if ft.rate is not none else '–' }}</div>
    <div class="t">{{ num(ft.resolved) }} af {{ num(ft.transferred) }} omstillede opkald: besvaret og ikke tilbage inden 10 minutter</div></div>{% endif %}
</div>
<p class="note">Servicegraden er andelen af <em>alle</em> opkald, der blev besvaret inden {{ t.threshold }} sekunder
(borgerens perspektiv). Regnet af de besvarede alene er den {{ pct(sl_answered) }}.
{% if tot.short_abandons %}{{ num(tot.short_abandons) }} opkald blev lagt på inden 5 sekunder; de er talt med.{% endif %}
{% if tot.incomplete %}{{ num(tot.incomplete) }} opkald har intet udfald i telefonsystemets log (fx efter en genstart).{% endif %}</p>

<h2>Opkald og servicegrad pr. uge</h2>
{{ volume_chart|safe }}

<h2>Hvornår ringer borgerne?</h2>
{{ heat|safe }}

<h2>Enheder</h2>
<table><thead><tr><th>Enhed</th><th class="n">Opkald</th><th class="n">Besvaret</th><th></th>
<th class="n">Inden {{ t.threshold }} sek.</th><th class="n">Gns. ventetid</th><th class="n">Lagt på</th>
<th class="n">Gns. samtale</th><th class="n">Tilbage til omstillingen</th></tr></thead><tbody>
{% for u in units %}<tr><td>{{ u.name }}</td><td class="n">{{ num(u.offered) }}</td>
<td class="n">{{ pct(u.answer_rate) }}</td><td>{{ bar(u.answer_rate)|safe }}</td>
<td class="n">{{ pct(u.service_level) }}</td><td class="n">{{ seconds(u.asa_seconds) }}</td>
<td class="n">{{ pct(u.abandon_rate) }}</td><td class="n">{{ seconds(u.avg_talk_seconds) }}</td>
<td class="n">{{ num(u.returned_to_switchboard) }}</td></tr>
{% else %}<tr><td colspan="9">Ingen enheder har køer i telefonsystemet.</td></tr>{% endfor %}
</tbody></table>
{% if unmapped %}<p class="note">Køer uden enhed i organisationen (talt med i alt):
{% for q in unmapped %}{{ q.queue }} ({{ num(q.offered) }} opkald){{ ', ' if not loop.last }}{% endfor %}.</p>{% endif %}

<h2>Svære at komme igennem til (R3.12)</h2>
{% if hard %}<table><thead><tr><th>Enhed</th><th>Medarbejder</th><th class="n">Omstillinger</th>
<th class="n">Ikke besvaret</th><th></th><th class="n">Beskeder</th></tr></thead><tbody>
{% for h in hard[:20] %}<tr><td>{{ h.unit_name }}</td><td>{{ h.employee_name }}</td>
<td class="n">{{ num(h.transfer_attempts) }}</td><td class="n">{{ num(h.unanswered) }}
({{ pct(h.share, 0) }})</td><td>{{ bar(h.share, '#a1161b')|safe }}</td><td class="n">{{ num(h.messages) }}</td></tr>{% endfor %}
</tbody></table>
{% if hard|length > 20 %}<p class="note">… og {{ hard|length - 20 }} flere (alle i Excel-udgaven).</p>{% endif %}
<p class="note">Sorteret efter andelen af omstillinger, der ikke blev besvaret. Et opkald, der kommer
tilbage til omstillingen (samme opkald, eller samme nummer inden for 10 minutter), tæller som ikke besvaret.</p>
{% else %}<p>Ingen omstillinger i perioden.</p>{% endif %}

<h2>Beskeder og tilbagekald</h2>
<table><tbody>
<tr><td>Beskeder taget</td><td class="n">{{ num(msg.taken) }}</td></tr>
<tr><td>Beskeder afsluttet</td><td class="n">{{ num(msg.closed) }}</td></tr>
<tr><td>Lovede tilbagekald med frist i perioden</td><td class="n">{{ num(msg.callbacks_due) }}</td></tr>
<tr><td>… holdt til tiden</td><td class="n">{{ num(msg.callbacks_on_time) }}</td></tr>
<tr><td>… for sent eller endnu ikke holdt</td><td class="n">{{ num(msg.overdue) }}</td></tr>
</tbody></table>

<h2>Servicemålinger: testopkald (R1.7)</h2>
{% if sm.total.test_calls %}<table><thead><tr><th>Enhed</th><th class="n">Testopkald</th>
<th class="n">Besvaret</th><th class="n">Gns. ventetid</th><th class="n">Klaret ved 1. opkald</th>
<th class="n">Svarede med navn</th><th class="n">Tilbød besked eller kollega</th>
{% for c in criteria.values() %}<th class="n">{{ c }}</th>{% endfor %}<th class="n">Undskyldning ved fejl</th></tr></thead><tbody>
{% for u in sm.units + [dict(sm.total, name="I alt")] %}<tr{% if loop.last %} class="total"{% endif %}><td>{{ u.name }}</td>
<td class="n">{{ num(u.test_calls) }}</td><td class="n">{{ pct(u.answer_rate) }}</td>
<td class="n">{{ seconds(u.avg_wait_seconds) if u.avg_wait_seconds is not none else '–' }}</td>
<td class="n">{{ pct(u.served_rate) if u.served_rate is not none else '–' }}</td>
<td class="n">{{ pct(u.named_rate) if u.named_rate is not none else '–' }}</td>
<td class="n">{{ pct(u.service_offered_rate) if u.service_offered_rate is not none else '–' }}</td>
{% for key in criteria %}<td class="n">{{ score(u.criteria[key].average) }}</td>{% endfor %}
<td class="n">{% if u.apologies_due %}{{ u.apologies_given }} af {{ u.apologies_due }}{% else %}–{% endif %}</td></tr>{% endfor %}
</tbody></table>
<p class="note">Kriterierne gives karakter fra 1 (dårligt) til 5 (fremragende) af den, der ringer op som
borger. Svarede med navn: andel af de besvarede opkald, hvor medarbejderen sagde sit navn.
Tilbød besked eller kollega: andel af opkaldene, hvor personen ikke selv kunne hjælpe, og hvor
der blev tilbudt at tage en besked eller at finde en kollega (aktiv service).
Undskyldning ved fejl: opkald, hvor noget gik galt, og hvor der blev sagt undskyld.</p>
{% else %}<p>Ingen testopkald i perioden. Servicemålinger registreres med
<code>omstilling quality import</code> eller på statistiksiden.</p>{% endif %}

{% if direct %}<h2>Direkte numre</h2>
<p class="note">Opkald direkte til medarbejdere og funktionsnumre uden om køerne (fra telefonsystemets CDR);
de er ikke talt med ovenfor.</p>
<table><thead><tr><th>Enhed</th><th>Medarbejder</th><th class="n">Opkald</th><th class="n">Besvaret</th></tr></thead><tbody>
{% for d in direct %}<tr><td>{{ d.unit_name }}</td><td>{{ d.employee_name }}</td><td class="n">{{ num(d.calls) }}</td>
<td class="n">{{ pct(d.answer_rate) }}</td></tr>{% endfor %}</tbody></table>{% endif %}

<p class="note">Et opkald hører til perioden efter det lokale tidspunkt, hvor det kom i kø.
Besvaret: forbundet til en medarbejder. Lagt på: borgeren lagde på i køen. Udløbet: forlod køen
ubesvaret af anden grund. Tal fra {{ municipality }}s telefonsystem.</p>
</section>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(TEMPLATE)


def _score(value: float | None) -> str:
    """An average score the Danish way ("4,3"), or a dash when nothing was scored."""
    return "–" if value is None else num(value, 1)


def _names(org: Organisation | None) -> tuple[dict[str, str], dict[str, str]]:
    if org is None:
        return {}, {}
    return (
        {u.id: u.name for u in org.units.values()},
        {e.id: e.name for e in org.employees.values()},
    )


def report_body(
    report: dict[str, Any],
    *,
    org: Organisation | None = None,
    targets: Targets | None = None,
    title: str | None = None,
) -> str:
    """The report as an HTML fragment (for the statistics page and the full document)."""
    targets = targets or Targets(threshold_seconds=report["threshold_seconds"])
    units, people = _names(org)
    tot = report["total"]
    start = date.fromisoformat(report["period"]["from"])
    end = date.fromisoformat(report["period"]["to"])
    hard = [
        {
            **h,
            "unit_name": units.get(h["unit"], h["unit"]),
            "employee_name": people.get(h["employee"], h["employee"] or "–"),
            "share": h["unanswered"] / h["transfer_attempts"] if h["transfer_attempts"] else 0.0,
        }
        for h in report["hard_to_reach"]
    ]
    direct = [
        {
            **d,
            "unit_name": units.get(d["unit"], d["unit"] or "Ukendt nummer"),
            "employee_name": people.get(d["employee"], d["employee"] or "–"),
        }
        for d in report["direct"]
    ]
    answered = tot["answered"]
    return _template.render(
        title=title or "Telefonstatistik",
        period_text=period(start, end),
        municipality=org.municipality.name if org else "Kommunen",
        t={"threshold": report["threshold_seconds"]},
        targets=targets,
        tot=tot,
        met=targets.met(tot),
        sl_answered=(tot["service_level"] * tot["offered"] / answered) if answered else 0.0,
        units=report["units"],
        unmapped=report["unmapped_queues"],
        hard=hard,
        msg=report["messages"],
        ft=report.get("first_transfer"),
        sm=report.get("service_measurements") or summarise([]),
        criteria=CRITERIA,
        score=_score,
        direct=direct,
        volume_chart=charts.volume_and_service(report["weeks"], targets.service_level),
        heat=charts.heat_map(report["hour_of_week"]),
        num=num,
        pct=pct,
        seconds=seconds,
        bar=charts.bar_row,
    )


def render_report(
    report: dict[str, Any],
    *,
    org: Organisation | None = None,
    targets: Targets | None = None,
    title: str | None = None,
    nav: str = "",
) -> str:
    """A complete, self-contained HTML document."""
    heading = title or "Telefonstatistik"
    body = report_body(report, org=org, targets=targets, title=heading)
    return (
        '<!doctype html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_env.from_string('{{ t }}').render(t=heading)}</title>\n<style>{CSS}</style>\n"
        f'</head>\n<body class="report">\n{nav}{body}</body>\n</html>\n'
    )
