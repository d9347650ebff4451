// rabbitmq-c 0.11 installs flat headers.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
