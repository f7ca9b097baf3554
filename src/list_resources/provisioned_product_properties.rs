//! List resource `servicecatalog_provisioned_product_properties`: the provisioned products a `list`
//! block's filters select, for `terraform query`. Paging stops once Terraform has its `limit`; the
//! object (with launch roles) is read only for `include_resource = true` (choices in
//! `docs/guides/importing-a-fleet.md`).

use async_trait::async_trait;

use crate::data_sources::search_filters::{with_filters, Filters};
use crate::resources::provisioned_product_properties::{Properties, TYPE_NAME};
use crate::servicecatalog::{
    LaunchRoles, ProductSummary, PropertyKey, PropertyMap, SearchOptions, ServiceCatalog,
};
use crate::tfplugin::{
    Context, Diagnostic, HookResult, ListEmitter, ListItem, ListResource, Schema, Value,
};

/// The list resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProvisionedProductPropertiesList;

#[async_trait]
impl ListResource<ServiceCatalog> for ProvisionedProductPropertiesList {
    type Config = Filters;
    type Model = Properties;

    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        with_filters(Schema::new().description(
            "Lists the provisioned products matching some filters (none: every product of the \
             account) as `servicecatalog_provisioned_product_properties` resources, with their \
             live owner and launch role, for `terraform query` to import.",
        ))
    }

    async fn list(
        &self,
        ctx: &mut Context<ServiceCatalog>,
        filters: Filters,
        out: &mut ListEmitter<'_, Properties>,
    ) -> HookResult {
        let search = filters.search_filter()?;
        let sc = ctx.provider_data()?;
        let cancel = ctx.cancellation_token();
        let options = SearchOptions {
            limit: out.remaining().and_then(|r| usize::try_from(r).ok()),
            ..SearchOptions::default()
        };
        let mut pages = sc.search(&search, &options, cancel);
        let mut roles: Option<LaunchRoles<'_>> = None;
        while let Some(page) = pages
            .next_page()
            .await
            .map_err(|e| filters.listing_error(&e))?
        {
            if !out.include_resource_object() {
                for p in &page {
                    let identity =
                        Value::object([("provisioned_product_id", Value::string(p.id.clone()))]);
                    if !out
                        .send(ListItem::identity_only(display_name(p), identity))
                        .await
                    {
                        return Ok(());
                    }
                }
                continue;
            }
            let roles = match &mut roles {
                Some(roles) => roles,
                None => {
                    // Planned once, for everything this listing will send.
                    let total = pages.total_results_count().unwrap_or(page.len());
                    let wanted = options.limit.map_or(total, |l| l.min(total));
                    let visible = search.terms.is_empty().then_some(total);
                    let mut planned = sc.launch_roles(search.access_level, cancel);
                    planned
                        .plan(wanted, visible)
                        .await
                        .map_err(|e| filters.listing_error(&e))?;
                    roles.insert(planned)
                }
            };
            let ids: Vec<&str> = page.iter().map(|p| p.id.as_str()).collect();
            let launch_roles = roles.read(&ids).await.map_err(|e| {
                Diagnostic::error(
                    "Cannot read launch roles",
                    format!("Reading the launch roles of the products found failed: {e}"),
                )
            })?;
            for p in &page {
                // Gone since it was listed: nothing to import.
                let Some(launch_role) = launch_roles.get(&p.id) else {
                    continue;
                };
                let object = Properties::imported(&p.id, live_properties(p, launch_role));
                if !out.send(ListItem::new(display_name(p), object)).await {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// The product's name (its id when it has none) and owner.
fn display_name(p: &ProductSummary) -> String {
    let name = p.name.as_deref().unwrap_or(&p.id);
    match p.user_arn.as_deref() {
        Some(owner) => format!("{name} (owner {owner})"),
        None => format!("{name} (no owner)"),
    }
}

/// `OWNER` and `LAUNCH_ROLE` as they are live, those with a value.
fn live_properties(p: &ProductSummary, launch_role: &Option<String>) -> PropertyMap {
    [
        (PropertyKey::Owner, p.user_arn.clone()),
        (PropertyKey::LaunchRole, launch_role.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data_sources::provisioned_products::ProvisionedProducts;
    use crate::tfplugin::{DataSource, Model};

    #[test]
    fn the_config_is_the_data_sources_filters() {
        let list = ListResource::schema(&ProvisionedProductPropertiesList);
        assert!(list.problems().is_empty(), "{:?}", list.problems());
        let data = DataSource::schema(&ProvisionedProducts);
        let mut names = Vec::new();
        for a in &list.block.attributes {
            let shared = data
                .block
                .get_attribute(&a.name)
                .expect("a data source filter");
            assert_eq!(
                (&shared.ty, &shared.description, shared.presence),
                (&a.ty, &a.description, a.presence),
                "{} differs",
                a.name
            );
            assert_eq!(shared.validators.len(), a.validators.len(), "{}", a.name);
            names.push(a.name.as_str());
        }
        names.sort_unstable();
        let mut filters = Filters::ATTRIBUTES.to_vec();
        filters.sort_unstable();
        assert_eq!(names, filters);
    }

    #[test]
    fn display_names_and_properties_follow_what_is_live() {
        let p = ProductSummary {
            id: "pp-1".into(),
            name: Some("web-1".into()),
            user_arn: Some("arn:aws:iam::123456789012:role/Team".into()),
            ..Default::default()
        };
        assert_eq!(
            display_name(&p),
            "web-1 (owner arn:aws:iam::123456789012:role/Team)"
        );
        let bare = ProductSummary {
            id: "pp-2".into(),
            ..Default::default()
        };
        assert_eq!(display_name(&bare), "pp-2 (no owner)");
        let role = Some("arn:aws:iam::123456789012:role/Launch".to_owned());
        let props = live_properties(&p, &role);
        assert_eq!(props.len(), 2);
        assert_eq!(props[&PropertyKey::LaunchRole], role.clone().unwrap());
        assert_eq!(
            live_properties(&p, &None).len(),
            1,
            "no launch role: OWNER only"
        );
        assert!(live_properties(&bare, &None).is_empty());
    }
}
