//! `/admin/staff` (the owner's team: invite, change a role, deactivate, reset a second
//! factor) and `/admin/audit` (the audit log with filters by who, what and when). Plain
//! forms; deactivating and resetting ask to be confirmed with a box.

use super::skeleton::staff_loaded;
use crate::api::admin::CreateStaff;
use crate::api::staff::{
    get_audit, get_team, ChangeStaffRole, ResetStaffTwoFactor, SetStaffActive,
};
use crate::model::encode_component;
use crate::model::staff::{AuditFilter, AuditPage, StaffMemberView, TeamPage};
use crate::ui::components::form::{query, FormError, Notice, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn StaffPage() -> impl IntoView {
    view! {
        <Private title="Staff" />
        <section class="admin">
            <h1>"Staff"</h1>
            <Notice messages=vec![
                ("invited", "Invitation sent: they choose a password from the email, then set up two-step verification."),
                ("role", "Role changed: it applies from their next page."),
                ("deactivated", "Deactivated: their sessions have ended and they cannot sign in."),
                ("reactivated", "Reactivated: they can sign in again."),
                ("two_factor", "Two-step verification reset: they set it up again when they next sign in."),
            ] />
            <FormError />
            {staff_loaded(get_team(), |team| view! { <Team team /> })}
        </section>
    }
}

#[component]
fn Team(team: TeamPage) -> impl IntoView {
    let roles = team.roles.clone();
    view! {
        <table class="stack">
            <thead><tr><th>"Email"</th><th>"Role"</th><th>"Two-step"</th><th>"Account"</th><th>"Change"</th></tr></thead>
            <tbody>
                {team.members.into_iter().map(|m| view! { <Member m roles=roles.clone() /> }).collect_view()}
            </tbody>
        </table>
        <h2>"Invite a staff member"</h2>
        <form method="post" action=CreateStaff::PATH>
            <label>"Email" <input type="email" name="email" required maxlength="254" /></label>
            <label>"Role"
                <select name="role">
                    {team.roles.into_iter().map(|(value, label)| {
                        let support = value == "support";
                        view! { <option value=value selected=support>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">"Send the invitation"</button>
        </form>
    }
}

#[component]
fn Member(m: StaffMemberView, roles: Vec<(String, String)>) -> impl IntoView {
    let id = m.id;
    let (email, locked, active) = (m.email.clone(), m.locked, m.active);
    let current = m.role.clone();
    view! {
        <tr>
            <td data-label="Email">{m.email}</td>
            <td data-label="Role">{m.role_label}</td>
            <td data-label="Two-step">{if m.two_factor { "on" } else { "not yet" }}</td>
            <td data-label="Account">{if active { "active" } else { "deactivated" }}</td>
            <td data-label="Change">
                {(!locked).then(|| view! {
                    <form method="post" action=ChangeStaffRole::PATH class="inline">
                        <input type="hidden" name="id" value=id />
                        <label>{format!("Role of {email}")}
                            <select name="role">
                                {roles.into_iter().map(|(value, label)| {
                                    let on = value == current;
                                    view! { <option value=value selected=on>{label}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="secondary">"Change role"</button>
                    </form>
                    <form method="post" action=SetStaffActive::PATH class="inline">
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="active" value=if active { "false" } else { "true" } />
                        {active.then(|| view! {
                            <label class="check"><input type="checkbox" required />{format!(" End {email}'s sessions now")}</label>
                        })}
                        <button type="submit" class=if active { "danger" } else { "secondary" }>
                            {if active { "Deactivate" } else { "Reactivate" }}
                        </button>
                    </form>
                    <form method="post" action=ResetStaffTwoFactor::PATH class="inline">
                        <input type="hidden" name="id" value=id />
                        <label class="check"><input type="checkbox" required />{format!(" {email} sets up two-step again")}</label>
                        <button type="submit" class="secondary">"Reset two-step"</button>
                    </form>
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let filter = AuditFilter {
        who: query("who").unwrap_or_default(),
        what: query("what").unwrap_or_default(),
        from: query("from").unwrap_or_default(),
        to: query("to").unwrap_or_default(),
        before: query("before").and_then(|b| b.parse().ok()),
    };
    let shown = filter.clone();
    view! {
        <Private title="Audit log" />
        <section class="admin">
            <h1>"Audit log"</h1>
            <form method="get" action="/admin/audit" class="filters">
                <label>"Who (email)" <input type="search" name="who" value=shown.who maxlength="254" /></label>
                <label>"What (e.g. coupon. or staff.deactivated)" <input type="search" name="what" value=shown.what maxlength="64" /></label>
                <label>"From" <input type="date" name="from" value=shown.from /></label>
                <label>"To" <input type="date" name="to" value=shown.to /></label>
                <button type="submit">"Filter"</button>
            </form>
            {staff_loaded(get_audit(filter.clone()), move |page| view! { <AuditTable page filter /> })}
        </section>
    }
}

#[component]
fn AuditTable(page: AuditPage, filter: AuditFilter) -> impl IntoView {
    let next = page.next.map(|before| {
        let pairs = [
            ("who", filter.who.as_str()),
            ("what", filter.what.as_str()),
            ("from", filter.from.as_str()),
            ("to", filter.to.as_str()),
        ];
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect();
        format!(
            "/admin/audit?{}before={before}",
            kept.iter().map(|p| format!("{p}&")).collect::<String>()
        )
    });
    let empty = page.rows.is_empty();
    view! {
        <table class="audit stack">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Details"</th><th>"From"</th></tr></thead>
            <tbody>
                {page.rows.into_iter().map(|r| view! {
                    <tr>
                        <td data-label="When">{r.at}</td>
                        <td data-label="Who">{r.who}</td>
                        <td data-label="What">{r.action}</td>
                        <td data-label="Details"><code>{r.details}</code></td>
                        <td data-label="From">{r.ip}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {empty.then(|| view! { <p>"No entries match."</p> })}
        {next.map(|href| view! { <p><a href=href rel="next">"Older entries"</a></p> })}
    }
}
