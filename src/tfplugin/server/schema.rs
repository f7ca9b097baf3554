//! The provider's schemas: GetMetadata and GetProviderSchema (which reports schema mistakes as
//! errors, so they surface on the first `terraform validate`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::super::authoring::Provider;
use super::super::diag::Diagnostics;
use super::super::proto;
use super::super::schema::Schema;
use super::adapter::Query;
use super::{Named, Server};

/// The wire schemas of registered types, by name.
fn schemas<T: Named, C: FromIterator<(String, proto::Schema)>>(
    all: &BTreeMap<String, Arc<T>>,
) -> C {
    all.iter()
        .map(|(n, e)| (n.clone(), e.schema().to_proto()))
        .collect()
}

fn capabilities<P: Provider>(server: &Server<P>) -> proto::ServerCapabilities {
    proto::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: !server.resources.is_empty(),
    }
}

impl<P: Provider> Query<P> for proto::get_metadata::Request {
    const NAME: &'static str = "GetMetadata";
    type Answer = proto::get_metadata::Response;

    fn answer(&self, server: &Server<P>, _: &mut Diagnostics) -> Self::Answer {
        use proto::get_metadata::{
            ActionMetadata, DataSourceMetadata, ListResourceMetadata, ResourceMetadata,
        };
        let data_sources = server.data_sources.keys().cloned();
        let resources = server.resources.keys().cloned();
        let list_resources = server.list_resources.keys().cloned();
        let actions = server.actions.keys().cloned();
        Self::Answer {
            server_capabilities: Some(capabilities(server)),
            data_sources: data_sources
                .map(|type_name| DataSourceMetadata { type_name })
                .collect(),
            resources: resources
                .map(|type_name| ResourceMetadata { type_name })
                .collect(),
            list_resources: list_resources
                .map(|type_name| ListResourceMetadata { type_name })
                .collect(),
            actions: actions
                .map(|type_name| ActionMetadata { type_name })
                .collect(),
            ..Default::default()
        }
    }
}

impl<P: Provider> Query<P> for proto::get_provider_schema::Request {
    const NAME: &'static str = "GetProviderSchema";
    type Answer = proto::get_provider_schema::Response;

    fn answer(&self, server: &Server<P>, diags: &mut Diagnostics) -> Self::Answer {
        diags.extend(schema_problems(server));
        Self::Answer {
            provider: Some(server.provider_schema.to_proto()),
            resource_schemas: schemas(&server.resources),
            data_source_schemas: schemas(&server.data_sources),
            list_resource_schemas: schemas(&server.list_resources),
            // None offered, said explicitly: Terraform reads an empty map as "none".
            state_store_schemas: Default::default(),
            action_schemas: server
                .actions
                .iter()
                .map(|(n, e)| {
                    let schema = Some(e.schema.to_proto());
                    (n.clone(), proto::ActionSchema { schema })
                })
                .collect(),
            server_capabilities: Some(capabilities(server)),
            ..Default::default()
        }
    }
}

/// Schema mistakes, reported as errors by GetProviderSchema so they surface on the first
/// `terraform validate` instead of as confusing plan failures.
fn schema_problems<P: Provider>(server: &Server<P>) -> Diagnostics {
    let provider = std::iter::once(("provider", "", &server.provider_schema));
    fn kind<'a, T: Named>(
        kind: &'static str,
        all: &'a BTreeMap<String, Arc<T>>,
    ) -> impl Iterator<Item = (&'static str, &'a str, &'a Schema)> {
        all.iter().map(move |(n, e)| (kind, n.as_str(), e.schema()))
    }
    let mut diags = Diagnostics::new();
    let all = provider
        .chain(kind("resource", &server.resources))
        .chain(kind("data source", &server.data_sources))
        .chain(kind("list resource", &server.list_resources))
        .chain(kind("action", &server.actions));
    for (kind, name, schema) in all {
        for problem in schema.problems() {
            diags.error(
                "Invalid provider schema",
                format!("{kind} {name}: {problem}. This is a bug in the provider."),
            );
        }
    }
    for (name, entry) in &server.resources {
        let Some(ident) = &entry.identity else {
            continue;
        };
        for problem in ident.schema.problems() {
            diags.error(
                "Invalid provider schema",
                format!("resource {name} identity: {problem}. This is a bug in the provider."),
            );
        }
    }
    for (name, entry) in &server.list_resources {
        let problem = match &entry.resource {
            None => "there is no managed resource type of that name",
            Some(r) if r.identity.is_none() => "its managed resource type declares no identity",
            Some(_) => continue,
        };
        diags.error(
            "Invalid provider schema",
            format!(
                "list resource {name}: {problem}, and Terraform lists objects by the identity \
                 of the managed resource of the same name. This is a bug in the provider."
            ),
        );
    }
    diags
}
