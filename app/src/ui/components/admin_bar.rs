//! The staff bar above every admin page: the sections the signed-in role may open (the only
//! links it is shown), who is signed in, and for staff who see orders the count of orders to
//! pack or ship, kept live by the feed. Nothing for a visitor without a staff session.

use crate::api::admin::{get_admin_nav, StaffSignOut};
use crate::ui::islands::live::LiveOrders;
use crate::ui::pages::apart;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

/// Admin pages that come before a staff session: no bar.
const BEFORE_SIGN_IN: [&str; 3] = ["/admin/sign-in", "/admin/two-factor", "/admin/enrol"];

#[component]
pub fn AdminBar() -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let here = path.clone();
    let shown = (path == "/admin" || path.starts_with("/admin/"))
        && !BEFORE_SIGN_IN.contains(&path.as_str());
    shown.then(|| {
        view! {
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let Ok(Some(nav)) = apart(get_admin_nav()).await else {
                        return ().into_any();
                    };
                    let current = |link: &str| {
                        let on = if link == "/admin" { here == "/admin" } else { here.starts_with(link) };
                        on.then_some("page")
                    };
                    view! {
                        <nav class="admin-bar" aria-label="Staff">
                            <ul>
                                {nav.links.iter().map(|(path, name)| view! {
                                    <li><a href=path.clone() aria-current=current(path)>{name.clone()}</a></li>
                                }).collect_view()}
                            </ul>
                            {nav.orders.map(|(from, count)| view! { <LiveOrders from count /> })}
                            <form method="post" action=StaffSignOut::PATH class="inline">
                                <span class="admin-who">{format!("{} · {}", nav.email, nav.role)}</span>
                                " "
                                <button type="submit" class="link">"Sign out"</button>
                            </form>
                        </nav>
                    }.into_any()
                })}
            </Suspense>
        }
    })
}
