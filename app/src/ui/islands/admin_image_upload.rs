//! The editor's picture upload as a lazy island: a plain multipart form (it works without
//! JavaScript) that, once hydrated, uploads dropped files at once and sends chosen ones on
//! "Upload" with a progress bar, then opens the page the server answers with (the editor, with what was refused).

use leptos::prelude::*;

#[island(lazy)]
pub fn ImageUpload(action: String) -> impl IntoView {
    let progress = RwSignal::new(None::<f64>);
    let message = RwSignal::new(String::new());
    let over = RwSignal::new(false);
    let form = NodeRef::<leptos::html::Form>::new();
    let input = NodeRef::<leptos::html::Input>::new();
    let upload = move || {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form.get_untracked() {
            send(&form, progress, message);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        #[cfg(feature = "hydrate")]
        if let (Some(files), Some(input)) = (
            ev.data_transfer().and_then(|d| d.files()),
            input.get_untracked(),
        ) {
            input.set_files(Some(&files));
            upload();
        }
    };
    view! {
        <form method="post" action=action enctype="multipart/form-data" class="upload" node_ref=form
            on:submit=move |ev| { ev.prevent_default(); upload(); }>
            <label class="dropzone" class:over=move || over.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=on_drop>
                "Drop pictures here, or choose them "
                <input type="file" name="images" multiple accept="image/png,image/jpeg,image/webp"
                    node_ref=input />
            </label>
            <p class="help">"PNG, JPEG or WebP; up to 20 MB and 8000×8000 pixels each, 10 at once."</p>
            {move || progress.get().map(|p| {
                let percent = (p * 100.0).round() as u32;
                view! { <progress max="100" value=percent>{format!("{percent}%")}</progress> }
            })}
            <p class="upload-status" aria-live="polite">{move || message.get()}</p>
            <button type="submit">"Upload"</button>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn send(
    form: &leptos::web_sys::HtmlFormElement,
    progress: RwSignal<Option<f64>>,
    message: RwSignal<String>,
) {
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{FormData, ProgressEvent, XmlHttpRequest};

    let (Ok(data), Ok(xhr)) = (FormData::new_with_form(form), XmlHttpRequest::new()) else {
        return;
    };
    if xhr.open_with_async("POST", &form.action(), true).is_err() {
        return;
    }
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress.set(Some(e.loaded() / e.total()));
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    on_progress.forget();
    let done = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = done.status().unwrap_or(0);
        if (200..300).contains(&status) {
            let _ = window().location().assign(&done.response_url());
        } else {
            progress.set(None);
            message.set(format!(
                "The upload was refused ({status}): reload the page and try again."
            ));
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        progress.set(None);
        message.set("The upload did not arrive: check the connection and try again.".into());
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    progress.set(Some(0.0));
    message.set("Uploading…".into());
    let _ = xhr.send_with_opt_form_data(Some(&data));
}
