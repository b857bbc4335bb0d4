//! The editor's pictures: upload several at once (a lazy island adds drag and drop and a
//! progress bar to a plain multipart form), then alt text, order and delete in one form.

use crate::api::catalog_admin::SaveImages;
use crate::model::catalog_admin::AdminImage;
use crate::ui::components::form::query;
use crate::ui::islands::admin_image_upload::ImageUpload;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Where a product's pictures are uploaded (a multipart `POST`, field `images`).
pub fn upload_path(product_id: i64) -> String {
    format!("/admin/products/{product_id}/images")
}

#[component]
pub(super) fn Pictures(product_id: i64, images: Vec<AdminImage>, may_edit: bool) -> impl IntoView {
    // Files an upload refused, with why: `name: reason` per line, from the upload's redirect.
    let refused = query("refused");
    view! {
        <section class="pictures">
            <h2>"Pictures"</h2>
            {refused.map(|text| view! {
                <div class="form-error" role="alert">
                    <p>"Some files were not added:"</p>
                    <ul>{text.lines().map(|l| view! { <li>{l.to_owned()}</li> }).collect_view()}</ul>
                </div>
            })}
            {may_edit.then(|| view! { <ImageUpload action=upload_path(product_id) /> })}
            {(!images.is_empty()).then(|| view! {
                <form method="post" action=SaveImages::PATH class="picture-list">
                    <fieldset disabled=!may_edit>
                        <input type="hidden" name="product_id" value=product_id />
                        <ol>
                            {images.into_iter().enumerate().map(|(i, img)| {
                                let name = |f: &str| format!("images[{i}][{f}]");
                                view! {
                                    <li class="picture">
                                        <img src=img.thumbnail alt=img.alt.clone() width="120"
                                            height=120 * img.height / img.width.max(1) loading="lazy" />
                                        <input type="hidden" name=name("id") value=img.id />
                                        <label>"Alt text" <input type="text" name=name("alt") value=img.alt maxlength="250" /></label>
                                        <label>"Place" <input type="number" name=name("position") value=i + 1 min="1" max="99" /></label>
                                        <label class="check"><input type="checkbox" name=name("delete") value="1" /> "Delete"</label>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <button type="submit">"Save pictures"</button>
                    </fieldset>
                </form>
            })}
        </section>
    }
}
