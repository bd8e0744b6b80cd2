/* A shared object without the descriptor symbol. */
int nosym_something(void);
int nosym_something(void)
{
	return 42;
}
