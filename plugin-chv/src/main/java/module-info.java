/** Cloud Hypervisor driver: renders its command line and speaks its REST API over the VM's UNIX socket. */
module cocoon.plugin.chv {
    requires cocoon.api;
    requires com.fasterxml.jackson.databind;

    opens cocoon.plugin.chv.api to
            com.fasterxml.jackson.databind;

    provides cocoon.api.Hypervisor.Provider with
            cocoon.plugin.chv.ChvProvider;
}
