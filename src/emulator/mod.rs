//! servicecatalog-emulator: a local AWS Service Catalog endpoint (AWS JSON 1.1) for the provisioned-product lifecycle.
