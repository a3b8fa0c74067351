/** The service-provider interfaces every Cocoon plugin implements, and the values they exchange. */
module cocoon.api {
    exports cocoon.api;
}
