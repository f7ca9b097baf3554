//! The small Service Catalog API layer the resource uses: update properties, wait for the record, read owner and launch role.
