package cocoon.runtime.cli;

/** {@code --format} values of the listing commands. */
enum OutputFormat {
    table,
    json
}
