# Each plugin builds from its own folder's local.mk.
include plugins/common/local.mk
include plugins/forward/local.mk
include plugins/icmp/local.mk
include plugins/ifaces/local.mk
include plugins/ipv6/local.mk
include plugins/unixipc/local.mk
include plugins/echo6/local.mk
include plugins/http/local.mk
