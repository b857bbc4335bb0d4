//! `/admin/categories`: the category tree. A form per category (name, address, parent,
//! order, description), one for its picture (a multipart upload) and one to delete it, asking
//! where its products go; a form to add one.

use super::super::ErrorPage;
use super::Choice;
use crate::api::catalog_admin::{get_admin_categories, DeleteCategory, SaveCategory};
use crate::model::catalog_admin::{AdminCategory, CategoryForm};
use crate::model::AppError;
use crate::ui::components::form::{query, send_to, FormError, Notice, Private};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdminCategoriesPage() -> impl IntoView {
    view! {
        <Private title="Categories" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match crate::ui::pages::apart(get_admin_categories()).await {
                    Err(AppError::Unauthorized) => send_to("/admin/sign-in"),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                    Ok((tree, may_edit)) => view! { <Tree tree may_edit /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The parents a category may choose: none, or any category (the server refuses a cycle).
fn parents(tree: &[AdminCategory], except: Option<i64>) -> Vec<(String, String)> {
    std::iter::once((String::new(), "None (top level)".to_owned()))
        .chain(tree.iter().filter(|c| Some(c.id) != except).map(|c| {
            (
                c.id.to_string(),
                format!("{}{}", "— ".repeat(c.depth as usize), c.form.name),
            )
        }))
        .collect()
}

#[component]
fn Fields(form: CategoryForm, parents: Vec<(String, String)>) -> impl IntoView {
    view! {
        <label>"Name" <input type="text" name="category[name]" value=form.name required maxlength="120" /></label>
        <label>"Address (slug)" <input type="text" name="category[slug]" value=form.slug maxlength="120" /></label>
        <Choice name="category[parent]" label="Parent" options=parents selected=form.parent />
        <label>"Order" <input type="number" name="category[position]" value=form.position min="0" max="100000" /></label>
        <label>"Description" <textarea name="category[description]" rows="2" maxlength="5000">{form.description}</textarea></label>
    }
}

#[component]
fn Tree(tree: Vec<AdminCategory>, may_edit: bool) -> impl IntoView {
    let new_parents = parents(&tree, None);
    let rows = tree.clone().into_iter().map(|c| {
        let id = c.id;
        let targets: Vec<(String, String)> = std::iter::once((String::new(), "Choose…".to_owned()))
            .chain(tree.iter().filter(|o| o.id != id).map(|o| (o.id.to_string(), o.form.name.clone())))
            .chain(std::iter::once(("none".to_owned(), "Nowhere (only out of this one)".to_owned())))
            .collect();
        let count = if c.products == 1 { "1 product".to_owned() } else { format!("{} products", c.products) };
        let heading = format!("{}{} ({count})", "— ".repeat(c.depth as usize), c.form.name);
        view! {
            <article class="category">
                <h2>{heading}</h2>
                <form method="post" action=SaveCategory::PATH class="category-fields">
                    <fieldset disabled=!may_edit>
                        <input type="hidden" name="id" value=id />
                        <Fields form=c.form.clone() parents=parents(&tree, Some(id)) />
                        <button type="submit">"Save"</button>
                    </fieldset>
                </form>
                <form method="post" action=format!("/admin/categories/{id}/image") enctype="multipart/form-data" class="category-image">
                    <fieldset disabled=!may_edit>
                        {c.image.clone().map(|src| view! { <img src=src alt="" width="160" loading="lazy" /> })}
                        <label>"Picture (PNG, JPEG or WebP)" <input type="file" name="image" accept="image/png,image/jpeg,image/webp" /></label>
                        <button type="submit">{if c.image.is_some() { "Replace the picture, or remove it if none is chosen" } else { "Upload the picture" }}</button>
                    </fieldset>
                </form>
                <form method="post" action=DeleteCategory::PATH class="category-delete">
                    <fieldset disabled=!may_edit>
                        <input type="hidden" name="id" value=id />
                        <Choice name="move_to" label="Its products go to" options=targets selected=String::new() />
                        <button type="submit" class="danger">"Delete this category"</button>
                    </fieldset>
                </form>
            </article>
        }
    }).collect_view();
    view! {
        <section class="admin admin-categories">
            <h1>"Categories"</h1>
            <p><a href="/admin">"Admin home"</a> " · " <a href="/admin/products">"Products"</a></p>
            <Notice messages=vec![("saved", "Category saved."), ("deleted", "Category deleted."), ("image", "Picture saved.")] />
            <FormError />
            {query("refused").map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <form method="post" action=SaveCategory::PATH class="category-fields">
                <fieldset disabled=!may_edit>
                    <legend>"Add a category"</legend>
                    <Fields form=CategoryForm::default() parents=new_parents />
                    <button type="submit">"Add"</button>
                </fieldset>
            </form>
            {rows}
        </section>
    }
}
