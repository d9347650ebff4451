#ifndef TIDE_CSHIMS_H
#define TIDE_CSHIMS_H
// Non-variadic wrappers for the variadic C calls Swift cannot make.

#include <amqp.h>

/// amqp_login with PLAIN authentication.
amqp_rpc_reply_t tide_amqp_login_plain(amqp_connection_state_t state, const char *vhost, int channel_max,
                                       int frame_max, int heartbeat, const char *user, const char *password);

#endif
