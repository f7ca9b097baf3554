//! The `servicecatalog_provisioned_products` data source: every product its filters match,
//! each as the API reports it, paged through; bad filters refused at validate time on their
//! paths; a refused account-level listing an error on `access_level`.

use servicecatalog_provider::data_sources::provisioned_products::{ProvisionedProducts, TYPE_NAME};
use servicecatalog_provider::tfplugin::{DataSource, Schema, Value};

use super::{
    alice, expected_product, filters_of, provision_tagged, seed_fleet, seed_hers, start, ALICE_KEY,
};
use crate::harness::plugin::{errors, path_of, PluginClient, Typed};
use crate::protocol::assert_no_errors;

fn schema() -> Schema {
    ProvisionedProducts.schema()
}

fn ds() -> Typed {
    Typed::new(TYPE_NAME, &schema())
}

fn config(pairs: &[(&str, Value)]) -> Value {
    filters_of(&schema(), pairs)
}

/// Reads the data source; it must succeed. Returns (`provisioned_products`, `ids`).
async fn read(c: &mut PluginClient, pairs: &[(&str, Value)]) -> (Vec<Value>, Vec<String>) {
    let resp = c.read_data(&ds(), &config(pairs)).await;
    assert_no_errors(&resp.diagnostics);
    let state = ds().value(&resp.state);
    let products = state
        .get("provisioned_products")
        .and_then(Value::as_elements)
        .expect("a list of products")
        .to_vec();
    let ids = state
        .get("ids")
        .and_then(Value::as_elements)
        .expect("a list of ids")
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect();
    (products, ids)
}

fn ids_of(products: &[Value]) -> Vec<String> {
    products
        .iter()
        .map(|p| {
            p.get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_match_is_returned_as_the_api_reports_it_paged_through() {
    let (world, mut c) = start().await;
    // More than a search page, so the read pages through.
    let fleet = seed_fleet(&world, "dsp", 130).await;
    let tagged = provision_tagged(&world, "dsp-tagged", "team", "platform eng").await;
    let mut all = fleet.clone();
    all.push(tagged.clone());

    let (products, ids) = read(&mut c, &[]).await;
    assert_eq!(ids, all, "every product, oldest first");
    assert_eq!(ids_of(&products), ids, "ids in the same order");
    for (product, id) in products.iter().zip(&all) {
        assert_eq!(product, &expected_product(&world, id).await, "{id}");
    }
    // Not vacuous: owners and launch roles are there (and absent where the product has none).
    let first = &products[1];
    assert!(first
        .get("owner")
        .and_then(Value::as_str)
        .is_some_and(|o| o.contains("dsp-owner-1")));
    assert!(first
        .get("launch_role_arn")
        .and_then(Value::as_str)
        .is_some());
    assert_eq!(products[0].get("launch_role_arn"), Some(&Value::Null));

    let (products, _) = read(&mut c, &[("name", Value::string("dsp-007"))]).await;
    assert_eq!(ids_of(&products), [fleet[7].clone()]);
    let tags = Value::map([("team", Value::string("platform eng"))]);
    let (products, ids) = read(&mut c, &[("tags", tags)]).await;
    assert_eq!(ids, [tagged.as_str()]);
    let found_tags = products[0].get("tags").and_then(Value::as_map).unwrap();
    assert_eq!(found_tags.get("team"), Some(&Value::string("platform eng")));
    let (_, ids) = read(
        &mut c,
        &[("product_id", Value::string("prod-taggedtagged1"))],
    )
    .await;
    assert_eq!(ids, [tagged.as_str()]);
    let (_, ids) = read(&mut c, &[("search_text", Value::string("dsp-12"))]).await;
    assert_eq!(
        ids,
        fleet[120..130].to_vec(),
        "free text matches names by substring"
    );
    let (_, ids) = read(&mut c, &[("status", Value::string("AVAILABLE"))]).await;
    assert_eq!(ids, all);
    let (products, ids) = read(&mut c, &[("status", Value::string("TAINTED"))]).await;
    assert!(
        products.is_empty() && ids.is_empty(),
        "no match: empty lists, not an error"
    );
    world.finish().await;
}

#[tokio::test]
async fn bad_filters_fail_validation_on_their_paths_naming_the_value() {
    let (world, mut c) = start().await;
    let good = config(&[
        ("name", Value::string("web-1")),
        ("status", Value::string("AVAILABLE")),
        ("access_level", Value::string("Role")),
    ]);
    assert!(c.validate_data(&ds(), &good).await.is_empty());
    let bad = config(&[
        ("name", Value::string("web 1")),
        ("product_id", Value::string("prod/1")),
        ("status", Value::string("available")),
        ("search_text", Value::string("web\n")),
        ("access_level", Value::string("Everyone")),
        ("tags", Value::map([("team", Value::string(""))])),
    ]);
    let diags = c.validate_data(&ds(), &bad).await;
    let errs = errors(&diags);
    let mut found: Vec<(Vec<String>, bool)> = errs
        .iter()
        .map(|d| {
            let path = path_of(d);
            let value = match path[0].as_str() {
                "name" => "\"web 1\"",
                "product_id" => "\"prod/1\"",
                "status" => "\"available\"",
                "search_text" => "\"web\\n\"",
                "access_level" => "\"Everyone\"",
                _ => "\"\"",
            };
            (path, d.detail.contains(value))
        })
        .collect();
    found.sort();
    let expected: Vec<(Vec<String>, bool)> = [
        vec!["access_level"],
        vec!["name"],
        vec!["product_id"],
        vec!["search_text"],
        vec!["status"],
        vec!["tags", "[\"team\"]"],
    ]
    .into_iter()
    .map(|p| (p.into_iter().map(str::to_owned).collect(), true))
    .collect();
    assert_eq!(found, expected, "{diags:?}");
    world.finish().await;
}

#[tokio::test]
async fn a_refused_account_level_listing_is_an_error_on_access_level() {
    let (world, _) = start().await;
    let (hers, mut c) = seed_hers(&world).await;
    let resp = c.read_data(&ds(), &config(&[])).await;
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", resp.diagnostics);
    assert_eq!(errs[0].summary, "Cannot list provisioned products");
    assert_eq!(path_of(errs[0]), ["access_level"]);
    for part in ["\"Account\"", "accountLevel", "\"Role\" or \"User\""] {
        assert!(errs[0].detail.contains(part), "{part}: {}", errs[0].detail);
    }
    assert!(
        !errs[0].detail.contains(ALICE_KEY),
        "no credentials in errors"
    );

    let (products, ids) = read(&mut c, &[("access_level", Value::string("User"))]).await;
    assert_eq!(ids, [hers.as_str()], "her own products only");
    assert_eq!(
        products[0].get("owner").and_then(Value::as_str),
        Some(alice().as_str())
    );
    assert_eq!(products[0], expected_product(&world, &hers).await);
    world.finish().await;
}

/// Launch roles come from the cheaper source: a few matches are described one by one, the
/// whole account is scanned (20 a page) instead of one call per product.
#[tokio::test]
async fn launch_roles_cost_the_fewest_calls() {
    let (world, mut c) = start().await;
    seed_fleet(&world, "cost", 60).await;
    let calls = |op: &str| world.emu().metrics().get(op).calls;
    let (describe, scan) = (
        calls("DescribeProvisionedProduct"),
        calls("ScanProvisionedProducts"),
    );
    let (products, _) = read(&mut c, &[]).await;
    assert_eq!(products.len(), 60);
    assert_eq!(
        calls("ScanProvisionedProducts"),
        scan + 3,
        "60 visible: 3 scan pages"
    );
    assert_eq!(calls("DescribeProvisionedProduct"), describe);

    let (products, _) = read(&mut c, &[("name", Value::string("cost-005"))]).await;
    assert_eq!(products.len(), 1);
    assert_eq!(
        calls("DescribeProvisionedProduct"),
        describe + 1,
        "one match: one describe"
    );
    assert_eq!(calls("ScanProvisionedProducts"), scan + 3);
    world.finish().await;
}
