use super::*;

fn cells(line: &str) -> Vec<String> {
    line.split('|').map(str::to_owned).collect()
}

fn read(header: &str, rows: &[&str]) -> Vec<Group> {
    let header = Header::read(&cells(header)).expect("a header");
    let mut grouper = Grouper::new(header, Currency::Aed);
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        out.extend(grouper.push(i as u32 + 2, &cells(row)));
    }
    out.extend(grouper.finish());
    out
}

/// A row in Duka's columns from `column=value` pairs.
fn duka(pairs: &str) -> String {
    let columns: Vec<&str> = DUKA.split('|').collect();
    let mut row = vec![String::new(); columns.len()];
    for pair in pairs.split('|') {
        let (k, v) = pair.split_once('=').expect("column=value");
        row[columns.iter().position(|c| *c == k).expect("a column")] = v.to_owned();
    }
    row.join("|")
}

const DUKA: &str = "handle|name|status|brand|description|seo_title|seo_description|categories|sku|options|price|compare_at_price|currency|stock|weight_grams|barcode";

#[test]
fn our_own_export_reads_back() {
    let rows = [
        duka("handle=linen-shirt|name=Linen shirt|status=active|categories= shirts men|sku=SHIRT-S|options=Size=S;Colour=Sand|price=120.00|compare_at_price=150.00|currency=AED|stock=4|weight_grams=300"),
        duka("handle=linen-shirt|name=Linen shirt|status=active|categories= shirts men|sku=SHIRT-M|options=Size=M;Colour=Sand|price=120.00|currency=AED|stock=0|weight_grams=300"),
        duka("handle=dates|name='=HYPERLINK(\"x\")|status=draft|sku=DATES|options=  |price=45"),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let groups = read(DUKA, &rows);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].rows, 2);
    let shirt = groups[0].product.as_ref().expect("no problems");
    assert_eq!(
        shirt.categories.as_deref(),
        Some(&["shirts".to_string(), "men".to_string()][..])
    );
    assert_eq!(shirt.variants.len(), 2);
    assert_eq!(
        shirt.variants[0].options,
        [
            ("Size".into(), "S".into()),
            ("Colour".into(), "Sand".into())
        ]
    );
    assert_eq!(shirt.variants[0].price, 12_000);
    assert_eq!(shirt.variants[0].compare_at, Some(15_000));
    assert_eq!(shirt.variants[0].stock, Some(4));
    let dates = groups[1].product.as_ref().expect("no problems");
    assert_eq!(
        dates.name.as_deref(),
        Some("=HYPERLINK(\"x\")"),
        "a formula the export escaped is text again"
    );
    assert_eq!(dates.variants[0].stock, None);
}

#[test]
fn bad_rows_are_reported_by_row_and_column() {
    let rows = [
        duka("handle=ok|name=Fine|status=active|sku=SKU-1|price=10"),
        duka("handle=bad price|name=Broken|status=active|sku=SKU-2|price=10"),
        duka("handle=bad-price|name=Broken|status=active|sku=SKU-2|price=ten|weight_grams=-3"),
        duka("handle=bad-sku|name=Broken|status=sold|sku=-SKU|price=1|currency=USD"),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let groups = read(DUKA, &rows);
    assert_eq!(groups.len(), 4);
    assert!(groups[0].product.is_ok());
    let problems = |i: usize| groups[i].product.as_ref().expect_err("problems").clone();
    assert!(problems(1)
        .iter()
        .any(|p| p.row == 3 && p.column == "handle"));
    let p = problems(2);
    assert!(
        p.iter()
            .any(|p| p.row == 4 && p.column == "price" && p.reason.contains("not an amount")),
        "{p:?}"
    );
    assert!(p.iter().any(|p| p.column == "weight_grams"), "{p:?}");
    let p = problems(3);
    assert!(p.iter().any(|p| p.column == "status"), "{p:?}");
    assert!(p.iter().any(|p| p.column == "sku"), "{p:?}");
    assert!(p.iter().any(|p| p.column == "currency"), "{p:?}");
}

#[test]
fn shopify_products_with_options_pictures_and_no_skus() {
    let header = "Handle|Title|Body (HTML)|Vendor|Published|Option1 Name|Option1 Value|Option2 Name|Option2 Value|Variant SKU|Variant Grams|Variant Inventory Qty|Variant Price|Variant Compare At Price|Variant Barcode|Image Src";
    let groups = read(
        header,
        &[
            "tee|Tee|<p>Soft &amp; <b>warm</b></p><ul><li>Cotton</li><li>Made in Kenya</li></ul>|Acme|TRUE|Size|S|Colour|Red|TEE-S-RED|200.0|3|10.00||123456|https://x/1.jpg",
            "tee||||||M||Red||200|0|10.00|||",
            "tee|||||||||||||||https://x/2.jpg",
            "mug|Mug||Acme|FALSE|Title|Default Title|||MUG|0|9|5.5|||",
        ],
    );
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].rows, 3);
    let tee = groups[0].product.as_ref().expect("no problems");
    assert_eq!(tee.status.as_deref(), Some("active"));
    assert_eq!(
        tee.description.as_deref(),
        Some("Soft & warm\n\n- Cotton\n- Made in Kenya")
    );
    assert_eq!(tee.variants.len(), 2, "the picture-only row is no variant");
    assert_eq!(
        tee.variants[1].sku, "TEE-M-RED",
        "a SKU is made when Shopify has none"
    );
    assert_eq!(
        tee.variants[1].options,
        [("Size".into(), "M".into()), ("Colour".into(), "Red".into())]
    );
    assert_eq!(tee.variants[0].weight_grams, Some(200));
    let mug = groups[1].product.as_ref().expect("no problems");
    assert_eq!(mug.status.as_deref(), Some("draft"));
    assert!(
        mug.variants[0].options.is_empty(),
        "Title / Default Title is no option"
    );
    assert_eq!(mug.variants[0].price, 550);
}

#[test]
fn a_file_without_the_columns_is_refused_whole() {
    assert!(Header::read(&cells("name|price")).is_err());
    assert!(
        Header::read(&cells("\u{feff}handle|sku|price")).is_ok(),
        "a byte-order mark is fine"
    );
    let shopify = Header::read(&cells("Handle|Title|Variant SKU")).expect_err("no price");
    assert!(shopify.contains("Variant Price"), "{shopify}");
}

#[test]
fn hostile_html_leaves_only_text() {
    let text = html_to_text("<script>alert(1)</script><img src=x onerror=alert(2)>Hi<p>there");
    assert!(!text.contains('<'));
    assert_eq!(text, "alert(1)Hi\n\nthere");
}
