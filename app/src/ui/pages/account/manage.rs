//! The signed-in customer's pages: profile and password, address book, sessions, privacy.

use crate::api::account::{
    get_address, get_addresses, get_profile, get_sessions, ChangePassword, DeleteAccount,
    DeleteAddress, EndSession, SaveAddress, SignOut, SignOutEverywhere, UpdateProfile,
};
use crate::model::{country::COUNTRIES, Address, AddressInput, AppError};
use crate::ui::components::form::{send_to, user_text, FormError, Notice, Private};
use crate::ui::pages::ErrorPage;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_params_map};

/// Renders `ok` with the loaded value; sends a signed-out visitor to sign in and back.
pub(crate) fn signed_in<T>(result: Result<T, AppError>, ok: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(value) => ok(value),
        Err(AppError::Unauthorized) => {
            let here = use_location().pathname.get_untracked();
            send_to(&format!(
                "/account/sign-in?next={}",
                crate::model::encode_component(&here)
            ))
        }
        Err(error) => view! { <ErrorPage error /> }.into_any(),
    }
}

#[component]
pub(crate) fn AccountNav() -> impl IntoView {
    view! {
        <nav class="account-nav" aria-label="Account">
            <a href="/account">"Profile"</a>
            <a href="/account/addresses">"Addresses"</a>
            <a href="/account/orders">"Orders"</a>
            <a href="/account/sessions">"Sessions"</a>
            <a href="/account/privacy">"Your data"</a>
            <form method="post" action=SignOut::PATH class="inline">
                <button type="submit">"Sign out"</button>
            </form>
        </nav>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Private title="Your account" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                signed_in(crate::ui::pages::apart(get_profile()).await, |p| view! {
                    <section class="account">
                        <h1>"Your account"</h1>
                        <AccountNav />
                        <Notice messages=vec![("profile", "Your name is saved."), ("password", "Your password is changed; other devices are signed out.")] />
                        <FormError />
                        <p>{p.email.clone()} " · member since " {p.member_since.clone()}
                            {(!p.email_verified).then_some(" · address not confirmed")}</p>
                        <h2>"Name"</h2>
                        <form method="post" action=UpdateProfile::PATH>
                            <label>"Name" <input type="text" name="name" value=p.name.clone() maxlength="200" autocomplete="name" /></label>
                            <button type="submit">"Save"</button>
                        </form>
                        <h2>"Password"</h2>
                        <form method="post" action=ChangePassword::PATH>
                            <label>"Current password" <input type="password" name="current" required autocomplete="current-password" maxlength="128" /></label>
                            <label>"New password" <input type="password" name="password" required autocomplete="new-password" minlength="12" maxlength="128" /></label>
                            <button type="submit">"Change password"</button>
                        </form>
                    </section>
                }.into_any())
            })}
        </Suspense>
    }
}

/// The address inputs (`address[...]`), with the "default address" box unless
/// `without_default`. `countries` narrows the country list (to where the store delivers);
/// `error` is a refused field and its message, shown under that field.
#[component]
pub(crate) fn AddressFields(
    address: AddressInput,
    #[prop(optional)] without_default: bool,
    #[prop(optional)] countries: Option<Vec<String>>,
    #[prop(default = None)] error: Option<(String, String)>,
) -> impl IntoView {
    let country = address.country.clone();
    let countries: Vec<(&'static str, &'static str)> = COUNTRIES
        .iter()
        .filter(|(code, _)| {
            countries
                .as_ref()
                .is_none_or(|only| only.iter().any(|c| c == code))
        })
        .copied()
        .collect();
    let error = StoredValue::new(error);
    let invalid = move |name: &str| {
        error
            .with_value(|e| e.as_ref().is_some_and(|(f, _)| f == name))
            .then_some("true")
    };
    let described =
        move |name: &'static str| invalid(name).map(|_| format!("address-{name}-error"));
    let message = move |name: &'static str| {
        error.with_value(|e| {
            e.as_ref().filter(|(f, _)| f == name).map(|(_, m)| {
                view! { <p class="field-error" id=format!("address-{name}-error")>{user_text(m)}</p> }
            })
        })
    };
    view! {
        <label>"Full name" <input type="text" name="address[name]" value=address.name required maxlength="200" autocomplete="name" aria-invalid=invalid("name") aria-describedby=described("name") /></label>
        {message("name")}
        <label>"Phone (optional)" <input type="tel" name="address[phone]" value=address.phone maxlength="30" autocomplete="tel" aria-invalid=invalid("phone") aria-describedby=described("phone") /></label>
        {message("phone")}
        <label>"Street address" <input type="text" name="address[line1]" value=address.line1 required maxlength="200" autocomplete="address-line1" aria-invalid=invalid("line1") aria-describedby=described("line1") /></label>
        {message("line1")}
        <label>"Apartment, building (optional)" <input type="text" name="address[line2]" value=address.line2 maxlength="200" autocomplete="address-line2" aria-invalid=invalid("line2") aria-describedby=described("line2") /></label>
        {message("line2")}
        <label>"City" <input type="text" name="address[city]" value=address.city required maxlength="100" autocomplete="address-level2" aria-invalid=invalid("city") aria-describedby=described("city") /></label>
        {message("city")}
        <label>"Region (optional)" <input type="text" name="address[region]" value=address.region maxlength="100" autocomplete="address-level1" aria-invalid=invalid("region") aria-describedby=described("region") /></label>
        {message("region")}
        <label>"Postal code (optional)" <input type="text" name="address[postal_code]" value=address.postal_code maxlength="20" autocomplete="postal-code" aria-invalid=invalid("postal_code") aria-describedby=described("postal_code") /></label>
        {message("postal_code")}
        <label>"Country"
            <select name="address[country]" required autocomplete="country" aria-invalid=invalid("country") aria-describedby=described("country")>
                <option value="">"Choose a country"</option>
                {countries.into_iter().map(|(code, name)| {
                    let selected = code == country;
                    view! { <option value=code selected=selected>{name}</option> }
                }).collect_view()}
            </select>
        </label>
        {message("country")}
        {(!without_default).then(|| view! {
            <label class="checkbox"><input type="checkbox" name="address[is_default]" checked=address.is_default />" Default shipping address"</label>
        })}
    }
}

#[component]
pub fn AddressesPage() -> impl IntoView {
    view! {
        <Private title="Your addresses" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                signed_in(crate::ui::pages::apart(get_addresses()).await, |addresses: Vec<Address>| view! {
                    <section class="account">
                        <h1>"Your addresses"</h1>
                        <AccountNav />
                        <Notice messages=vec![("saved", "The address is saved."), ("deleted", "The address is deleted.")] />
                        <FormError />
                        <ul class="addresses">
                            {addresses.into_iter().map(|a| {
                                let id = a.id;
                                view! {
                                    <li>
                                        <address>{a.lines().into_iter().map(|l| view! { <span>{l}</span><br /> }).collect_view()}</address>
                                        {a.fields.is_default.then_some(view! { <strong>"Default"</strong> })}
                                        <a href=format!("/account/addresses/{id}")>"Edit"</a>
                                        <form method="post" action=DeleteAddress::PATH class="inline">
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit">"Delete"</button>
                                        </form>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <h2>"Add an address"</h2>
                        <form method="post" action=SaveAddress::PATH class="address-form">
                            <AddressFields address=AddressInput::default() />
                            <button type="submit">"Save address"</button>
                        </form>
                    </section>
                }.into_any())
            })}
        </Suspense>
    }
}

#[component]
pub fn AddressEditPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Private title="Edit address" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let result = match id {
                    Some(id) => crate::ui::pages::apart(get_address(id)).await,
                    None => Err(AppError::NotFound),
                };
                signed_in(result, |a: Address| view! {
                    <section class="account">
                        <h1>"Edit address"</h1>
                        <AccountNav />
                        <FormError />
                        <form method="post" action=SaveAddress::PATH class="address-form">
                            <input type="hidden" name="id" value=a.id />
                            <AddressFields address=a.fields />
                            <button type="submit">"Save address"</button>
                        </form>
                    </section>
                }.into_any())
            })}
        </Suspense>
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! {
        <Private title="Signed-in devices" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                signed_in(crate::ui::pages::apart(get_sessions()).await, |sessions| view! {
                    <section class="account">
                        <h1>"Signed-in devices"</h1>
                        <AccountNav />
                        <Notice messages=vec![("ended", "That device is signed out."), ("everywhere", "Every other device is signed out.")] />
                        <FormError />
                        <ul class="sessions">
                            {sessions.into_iter().map(|s| view! {
                                <li>
                                    <span>{if s.user_agent.is_empty() { "Unknown device".to_owned() } else { s.user_agent.clone() }}</span>
                                    <small>" · since " {s.started.clone()} " · last used " {s.last_used.clone()}
                                        {s.ip.clone().map(|ip| format!(" · {ip}"))}</small>
                                    {if s.current {
                                        view! { <strong>" This device"</strong> }.into_any()
                                    } else {
                                        view! {
                                            <form method="post" action=EndSession::PATH class="inline">
                                                <input type="hidden" name="id" value=s.id />
                                                <button type="submit">"Sign out"</button>
                                            </form>
                                        }.into_any()
                                    }}
                                </li>
                            }).collect_view()}
                        </ul>
                        <form method="post" action=SignOutEverywhere::PATH>
                            <button type="submit">"Sign out everywhere else"</button>
                        </form>
                    </section>
                }.into_any())
            })}
        </Suspense>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <Private title="Your data" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                signed_in(crate::ui::pages::apart(get_profile()).await, |_| view! {
                    <section class="account">
                        <h1>"Your data"</h1>
                        <AccountNav />
                        <FormError />
                        <h2>"Download"</h2>
                        <p>"Everything we hold about you, as one JSON file."</p>
                        <p><a href="/account/export.json" download="duka-account.json">"Download my data"</a></p>
                        <h2>"Delete your account"</h2>
                        <p>"Your name, email address, addresses and sessions are erased. Orders stay on record without your details, as accounting law requires. This cannot be undone."</p>
                        <form method="post" action=DeleteAccount::PATH>
                            <label>"Password" <input type="password" name="password" required autocomplete="current-password" maxlength="128" /></label>
                            <button type="submit" class="danger">"Delete my account"</button>
                        </form>
                    </section>
                }.into_any())
            })}
        </Suspense>
    }
}
