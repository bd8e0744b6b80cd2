/* Everything a plugin needs, in one include: the whole plugin ABI. */
#ifndef NETHOST_NETHOST_H
#define NETHOST_NETHOST_H
#include <nethost/ctx.h>
#include <nethost/log.h>
#include <nethost/loop.h>
#include <nethost/sock.h>
#include <nethost/conf.h>
#include <nethost/json.h>
#include <nethost/cli.h>
#include <nethost/ctl.h>
#include <nethost/plugin.h>
#include <nethost/metrics.h>
#include <nethost/stream.h>
#endif
