"""`python -m ipt_expert` runs the same CLI as `ipt-expert`."""
from ipt_expert.cli.launch import main

if __name__ == "__main__":
    main()
