import Foundation

/// The checked-in OpenAPI 3 document (`Sources/TideAPI/Resources/openapi.yaml`), served as is.
public enum OpenAPIDocument {
    /// The document's bytes; empty if the resource is missing from the build.
    public static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { return Data() }
        return (try? Data(contentsOf: url)) ?? Data()
    }()
}
