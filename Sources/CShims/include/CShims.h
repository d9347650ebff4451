#ifndef TIDE_CSHIMS_H
#define TIDE_CSHIMS_H
// Non-variadic wrappers for the variadic C calls Swift cannot make.

#include <amqp.h>
#include <curl/curl.h>

/// amqp_login with PLAIN authentication.
amqp_rpc_reply_t tide_amqp_login_plain(amqp_connection_state_t state, const char *vhost, int channel_max,
                                       int frame_max, int heartbeat, const char *user, const char *password);

/// curl_easy_setopt with a long argument (CURLOPT_TIMEOUT_MS, CURLOPT_POSTFIELDSIZE, ...).
CURLcode tide_curl_setopt_long(CURL *handle, CURLoption option, long value);

/// curl_easy_setopt with a pointer argument (strings, lists, user data).
CURLcode tide_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);

/// curl_easy_setopt for CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
CURLcode tide_curl_setopt_write_function(CURL *handle, CURLoption option,
                                         size_t (*callback)(char *, size_t, size_t, void *));

/// curl_easy_setopt for CURLOPT_XFERINFOFUNCTION (also turns CURLOPT_NOPROGRESS off).
CURLcode tide_curl_setopt_progress_function(CURL *handle,
                                            int (*callback)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t));

/// curl_easy_getinfo for a long result (CURLINFO_RESPONSE_CODE).
CURLcode tide_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
